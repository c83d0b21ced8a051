package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A file of fixed-size entries sorted by a key, the common part of {@link OffsetIndex}, {@link TimeIndex}
 * and {@link TransactionIndex}. The file holds exactly {@code entries * entrySize} bytes, nothing
 * preallocated, so Kafka's tools read it as they read their own.
 *
 * <p>While its segment is active the entries live in a growable heap buffer and reach the file on
 * {@link #flush()}: appends cost no system call, and whatever was not flushed is rebuilt from the log
 * by recovery. A sealed index (its segment rolled) is mapped read-only and costs no heap.
 */
abstract class IndexFile {
    private static final int INITIAL_CAPACITY_ENTRIES = 64;

    private final int entrySize;
    private final int maxEntries;
    private final boolean createWhenEmpty;
    private Path file;
    // Readers run concurrently with the single writer: the writer publishes a new buffer before a new
    // count, and readers read the count first, so a buffer always holds at least `entries` entries.
    private volatile ByteBuffer entriesBuf;
    private boolean mutable;
    private volatile int entries;
    private int flushedEntries;
    private long fileSize;

    IndexFile(Path file, int entrySize, int maxIndexBytes, boolean mutable) throws IOException {
        this(file, entrySize, maxIndexBytes, mutable, true);
    }

    /** @param createWhenEmpty whether a flush writes the file while there are no entries */
    IndexFile(Path file, int entrySize, int maxIndexBytes, boolean mutable, boolean createWhenEmpty) throws IOException {
        this.file = file;
        this.createWhenEmpty = createWhenEmpty;
        this.entrySize = entrySize;
        this.maxEntries = Math.max(1, maxIndexBytes / entrySize);
        long size = Files.exists(file) ? Files.size(file) : 0;
        this.entries = (int) Math.min(size / entrySize, Integer.MAX_VALUE / entrySize);
        this.fileSize = size;
        this.flushedEntries = size % entrySize == 0 ? entries : 0;
        if (mutable) {
            this.entriesBuf = loadToHeap();
        } else {
            this.entriesBuf = map();
        }
        this.mutable = mutable;
    }

    /** The key an entry is sorted by, in absolute terms (an offset or a timestamp). */
    protected abstract long key(ByteBuffer buf, int entryPosition);

    protected final ByteBuffer buffer() {
        return entriesBuf;
    }

    protected final int entrySize() {
        return entrySize;
    }

    public final int entries() {
        return entries;
    }

    public final boolean isFull() {
        return entries >= maxEntries;
    }

    public final int maxEntries() {
        return maxEntries;
    }

    public final Path file() {
        return file;
    }

    /** Index of the last entry whose key is at most {@code target}, or -1 if there is none. */
    protected final int largestLowerBound(long target) {
        int lo = 0;
        int hi = entries - 1;
        ByteBuffer buf = entriesBuf;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (key(buf, mid * entrySize) <= target) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Index of the first entry whose key is at least {@code target}, or {@link #entries()} if none. */
    protected final int smallestUpperBound(long target) {
        int lo = 0;
        int hi = entries;
        ByteBuffer buf = entriesBuf;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (key(buf, mid * entrySize) < target) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Appends one entry that the subclass has written into {@code entry}. */
    protected final void appendEntry(ByteBuffer entry) {
        if (!mutable) {
            throw new IllegalStateException("index " + file + " is sealed");
        }
        if (isFull()) {
            throw new IllegalStateException("index " + file + " is full (" + entries + " entries)");
        }
        int needed = (entries + 1) * entrySize;
        ByteBuffer buf = entriesBuf;
        if (needed > buf.capacity()) {
            int capacity = Math.min(Math.max(needed, buf.capacity() * 2), maxEntries * entrySize);
            ByteBuffer grown = ByteBuffer.allocate(capacity);
            grown.put(buf.duplicate().position(0).limit(entries * entrySize));
            buf = grown;
            entriesBuf = grown;
        }
        buf.put(entries * entrySize, entry, 0, entrySize);
        entries = entries + 1;
    }

    /** Keeps only the first {@code count} entries. */
    protected final void truncateEntries(int count) {
        makeMutable();
        if (count >= entries) {
            return;
        }
        entries = count;
        flushedEntries = Math.min(flushedEntries, count);
    }

    /** Drops every entry. */
    public final void reset() {
        truncateEntries(0);
    }

    /** Writes entries not yet on disk, cuts anything stale after them, and forces the file. */
    public final void flush() throws IOException {
        long wantedSize = (long) entries * entrySize;
        if (flushedEntries == entries && fileSize == wantedSize) {
            if (createWhenEmpty && !Files.exists(file)) {
                // Nothing to make durable: an index file lost in a crash is rebuilt by recovery.
                Files.newByteChannel(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE).close();
            }
            return;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            if (fileSize > wantedSize) {
                ch.truncate(wantedSize);
            }
            ByteBuffer pending = entriesBuf.duplicate();
            pending.limit(entries * entrySize).position(flushedEntries * entrySize);
            long pos = (long) flushedEntries * entrySize;
            while (pending.hasRemaining()) {
                pos += ch.write(pending, pos);
            }
            ch.force(true);
        }
        flushedEntries = entries;
        fileSize = wantedSize;
    }

    /** Flushes and maps the file read-only: the segment will not grow any more. */
    public final void seal() throws IOException {
        flush();
        if (mutable) {
            entriesBuf = map();
            mutable = false;
        }
    }

    /** Makes a sealed index appendable again (after truncation made its segment the active one). */
    public final void makeMutable() {
        if (!mutable) {
            ByteBuffer heap = ByteBuffer.allocate(Math.max(entries, INITIAL_CAPACITY_ENTRIES) * entrySize);
            heap.put(entriesBuf.duplicate().position(0).limit(entries * entrySize));
            entriesBuf = heap;
            mutable = true;
        }
    }

    public final void renameTo(Path target) throws IOException {
        if (Files.exists(file)) {
            Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        }
        file = target;
    }

    public final void deleteFile() throws IOException {
        Files.deleteIfExists(file);
        entries = 0;
        flushedEntries = 0;
        fileSize = 0;
    }

    private ByteBuffer loadToHeap() throws IOException {
        ByteBuffer heap = ByteBuffer.allocate(Math.max(entries, INITIAL_CAPACITY_ENTRIES) * entrySize);
        if (entries > 0) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer dst = heap.duplicate().limit(entries * entrySize);
                while (dst.hasRemaining()) {
                    if (ch.read(dst, dst.position()) < 0) {
                        break;
                    }
                }
            }
        }
        return heap;
    }

    private ByteBuffer map() throws IOException {
        if (entries == 0) {
            return ByteBuffer.allocate(0);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, (long) entries * entrySize);
            return mapped;
        }
    }
}
