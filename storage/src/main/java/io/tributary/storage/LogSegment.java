package io.tributary.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.List;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * One segment of a partition log: the {@code .log} file of record batches starting at
 * {@link #baseOffset()}, with its {@link OffsetIndex}, {@link TimeIndex} and {@link TransactionIndex}. Files are named by the base
 * offset in 20 digits, as Kafka names them ({@code 00000000000000000000.log}).
 *
 * <p>The {@code .log} file is a plain concatenation of Kafka RecordBatch v2 bytes (see
 * {@link BatchHeader}), offsets increasing. One thread appends; any number read concurrently.
 */
public final class LogSegment implements Closeable {
    public static final String LOG_SUFFIX = ".log";
    public static final String INDEX_SUFFIX = ".index";
    public static final String TIME_INDEX_SUFFIX = ".timeindex";
    public static final String TXN_INDEX_SUFFIX = ".txnindex";

    private final long baseOffset;
    private final Path logFile;
    private final FileChannel channel;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private final TransactionIndex txnIndex;
    private final int indexIntervalBytes;
    private final long createdMs;

    private volatile int size;
    private volatile long nextOffset;
    private volatile long maxTimestamp = -1;
    private long offsetOfMaxTimestamp;
    private long firstBatchTimestamp = -1;
    private int bytesSinceLastIndexEntry;
    private boolean dirty;
    private boolean tailIsClean = true;

    private LogSegment(Path dir, long baseOffset, LogConfig config, boolean active, long createdMs) throws IOException {
        this.baseOffset = baseOffset;
        this.logFile = dir.resolve(fileName(baseOffset, LOG_SUFFIX));
        this.channel = FileChannel.open(logFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        this.offsetIndex = new OffsetIndex(dir.resolve(fileName(baseOffset, INDEX_SUFFIX)), baseOffset,
                config.segmentIndexBytes(), active);
        this.timeIndex = new TimeIndex(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX)), baseOffset,
                config.segmentIndexBytes(), active);
        this.txnIndex = new TransactionIndex(dir.resolve(fileName(baseOffset, TXN_INDEX_SUFFIX)), active);
        this.indexIntervalBytes = config.indexIntervalBytes();
        this.createdMs = createdMs;
        long fileSize = channel.size();
        if (fileSize > Integer.MAX_VALUE) {
            throw new IOException(logFile + " is larger than 2 GiB");
        }
        this.size = (int) fileSize;
        this.nextOffset = baseOffset;
        this.offsetOfMaxTimestamp = baseOffset;
    }

    /**
     * Creates a new, empty segment and its (empty) index files. Nothing is forced to disk: until data is
     * flushed there is nothing a crash could lose that recovery would not rebuild.
     */
    public static LogSegment create(Path dir, long baseOffset, LogConfig config, long nowMs) throws IOException {
        LogSegment segment = new LogSegment(dir, baseOffset, config, true, nowMs);
        segment.offsetIndex.flush();
        segment.timeIndex.flush();
        return segment;
    }

    /**
     * Opens an existing segment trusting its index files (they were checked or will be rebuilt by
     * {@link #recover()}). The active segment's indexes stay appendable.
     */
    public static LogSegment open(Path dir, long baseOffset, LogConfig config, boolean active) throws IOException {
        Path log = dir.resolve(fileName(baseOffset, LOG_SUFFIX));
        LogSegment segment = new LogSegment(dir, baseOffset, config, active, Files.getLastModifiedTime(log).toMillis());
        segment.loadTail();
        return segment;
    }

    public static String fileName(long offset, String suffix) {
        return String.format("%020d%s", offset, suffix);
    }

    public long baseOffset() {
        return baseOffset;
    }

    public int size() {
        return size;
    }

    /** The offset after this segment's last batch; the base offset when it is empty. */
    public long nextOffset() {
        return nextOffset;
    }

    /** Largest batch timestamp in the segment, -1 if none. */
    public long maxTimestamp() {
        return maxTimestamp;
    }

    /** The time retention judges this segment by: its largest timestamp, or the file's mtime without one. */
    public long retentionTimestamp() throws IOException {
        return maxTimestamp >= 0 ? maxTimestamp : Files.getLastModifiedTime(logFile).toMillis();
    }

    public Path logFile() {
        return logFile;
    }

    OffsetIndex offsetIndex() {
        return offsetIndex;
    }

    TimeIndex timeIndex() {
        return timeIndex;
    }

    TransactionIndex txnIndex() {
        return txnIndex;
    }

    /** Indexes a transaction whose abort marker this segment holds. */
    public void appendAbortedTxn(AbortedTxn txn) {
        if (txn.lastOffset() < baseOffset || txn.lastOffset() >= nextOffset) {
            throw new IllegalArgumentException("abort marker at " + txn.lastOffset() + " is not in " + this);
        }
        txnIndex.append(txn);
    }

    /** See {@link TransactionIndex#collect}. */
    public boolean collectAbortedTxns(long fetchOffset, long upperBound, List<AbortedTxn> out) {
        return txnIndex.collect(fetchOffset, upperBound, out);
    }

    /** Whether {@code slice} was read from this segment. */
    boolean holds(FileSlice slice) {
        return slice.channel() == channel;
    }

    /**
     * An offset above every record that starts before {@code position}: the last offset of the first
     * indexed batch at or after it, or the segment's next offset. Like Kafka's, the bound is loose by up to
     * one index interval, which only costs an aborted-transaction search a few entries more.
     */
    public long offsetBoundAt(long position) {
        long indexed = offsetIndex.firstOffsetFrom(position);
        return indexed < 0 ? nextOffset : indexed;
    }

    /** Whether the next append of {@code bytes} ending at {@code lastOffset} belongs in a new segment. */
    public boolean shouldRoll(int bytes, long lastOffset, long nowMs, LogConfig config) {
        if (!offsetIndex.canIndex(lastOffset)) {
            return true;
        }
        if (size == 0) {
            return false;
        }
        long rollBase = firstBatchTimestamp > 0 ? firstBatchTimestamp : createdMs;
        return size > config.segmentBytes() - bytes
                || nowMs - rollBase > config.segmentMs()
                || offsetIndex.isFull()
                || timeIndex.isFull();
    }

    /**
     * Appends whole batches whose offsets start at or after {@link #nextOffset()}. The bytes are checked
     * for structure (lengths, magic, increasing offsets), not for CRC: the caller validated them.
     */
    public void append(ByteBuffer batches) throws IOException {
        int start = batches.position();
        int limit = batches.limit();
        long expected = nextOffset;
        for (int pos = start; pos < limit; pos += BatchHeader.sizeInBytes(batches, pos)) {
            if (limit - pos < BatchHeader.SIZE || BatchHeader.sizeInBytes(batches, pos) < BatchHeader.SIZE
                    || BatchHeader.sizeInBytes(batches, pos) > limit - pos) {
                throw new IllegalArgumentException("incomplete batch at byte " + (pos - start));
            }
            if (BatchHeader.magic(batches, pos) != BatchHeader.MAGIC) {
                throw new IllegalArgumentException("unsupported magic " + BatchHeader.magic(batches, pos));
            }
            if (BatchHeader.baseOffset(batches, pos) < expected || BatchHeader.lastOffsetDelta(batches, pos) < 0
                    || !offsetIndex.canIndex(BatchHeader.lastOffset(batches, pos))) {
                throw new IllegalArgumentException("batch offset " + BatchHeader.baseOffset(batches, pos)
                        + " cannot follow " + (expected - 1) + " in segment " + baseOffset);
            }
            expected = BatchHeader.lastOffset(batches, pos) + 1;
        }
        int physical = size;
        Io.writeFully(channel, batches.duplicate(), physical);
        for (int pos = start; pos < limit; pos += BatchHeader.sizeInBytes(batches, pos)) {
            track(physical + (pos - start), BatchHeader.sizeInBytes(batches, pos),
                    BatchHeader.lastOffset(batches, pos), BatchHeader.maxTimestamp(batches, pos));
        }
        nextOffset = expected;
        dirty = true;
        size = physical + (limit - start);
    }

    /** Kafka's indexing rule, for one batch at {@code position}: index it if enough bytes went by. */
    private void track(long position, int batchSize, long lastOffset, long batchMaxTimestamp) {
        if (firstBatchTimestamp < 0 && position == 0) {
            firstBatchTimestamp = batchMaxTimestamp;
        }
        if (batchMaxTimestamp > maxTimestamp) {
            maxTimestamp = batchMaxTimestamp;
            offsetOfMaxTimestamp = lastOffset;
        }
        if (bytesSinceLastIndexEntry > indexIntervalBytes) {
            offsetIndex.append(lastOffset, (int) position);
            timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += batchSize;
    }

    /**
     * Position of the first batch whose last offset is at least {@code offset}, searching from the
     * index, or -1 when every batch ends before it.
     */
    public long positionOf(long offset) throws IOException {
        int limit = size;
        BatchScanner scan = new BatchScanner(channel, offsetIndex.lookup(offset).position(), limit);
        while (scan.next()) {
            if (scan.lastOffset() >= offset) {
                return scan.position();
            }
        }
        return -1;
    }

    /**
     * Reads from the batch holding {@code offset} at most {@code maxBytes} bytes, and never past the
     * batch holding {@code maxOffset} (exclusive; pass {@link Long#MAX_VALUE} for no bound). With
     * {@code minOneBatch} the first batch is returned whole even when larger than {@code maxBytes}.
     */
    public FileSlice read(long offset, int maxBytes, long maxOffset, boolean minOneBatch) throws IOException {
        int limit = size;
        long start = positionOf(offset);
        if (start < 0) {
            return FileSlice.EMPTY;
        }
        long end = limit;
        if (maxOffset < nextOffset) {
            long boundary = positionOf(maxOffset);
            end = boundary < 0 ? limit : boundary;
        }
        if (end <= start) {
            return FileSlice.EMPTY;
        }
        long length = Math.min(end - start, maxBytes);
        if (minOneBatch) {
            BatchScanner first = new BatchScanner(channel, start, end);
            if (first.next()) {
                length = Math.max(length, first.size());
            }
        }
        return new FileSlice(channel, start, (int) length);
    }

    /**
     * The first record at or after {@code startingOffset} whose timestamp is at least {@code timestamp},
     * or null if there is none in this segment.
     */
    public TimestampOffset findOffsetByTimestamp(long timestamp, long startingOffset) throws IOException {
        int limit = size;
        TimestampOffset indexed = timeIndex.lookup(timestamp);
        long from = offsetIndex.lookup(Math.max(indexed.offset(), startingOffset)).position();
        BatchScanner scan = new BatchScanner(channel, from, limit);
        while (scan.next()) {
            if (scan.maxTimestamp() < timestamp || scan.lastOffset() < startingOffset) {
                continue;
            }
            Iterator<? extends RecordBatch> batches = MemoryRecords.readableRecords(scan.readBatch()).batches().iterator();
            RecordBatch batch = batches.next();
            for (Record record : batch) {
                if (record.timestamp() >= timestamp && record.offset() >= startingOffset) {
                    return new TimestampOffset(record.timestamp(), record.offset());
                }
            }
        }
        return null;
    }

    /**
     * Removes every batch whose last offset is at or above {@code offset} (a batch holding it is removed
     * whole). Returns the number of bytes removed.
     */
    public int truncateTo(long offset) throws IOException {
        long position = positionOf(offset);
        if (position < 0) {
            return 0;
        }
        int removed = size - (int) position;
        offsetIndex.truncateTo(offset);
        timeIndex.truncateTo(offset);
        txnIndex.truncateTo(offset);
        channel.truncate(position);
        size = (int) position;
        if (position == 0) {
            firstBatchTimestamp = -1;
        }
        loadTail();
        dirty = true;
        return removed;
    }

    /**
     * Checks every batch from the start: length, magic, CRC and increasing offsets. Cuts the file at the
     * first bad batch, rebuilds the offset and time indexes, drops the aborted transactions of markers
     * that were cut (the replicated log writes them again), and returns the number of bytes cut.
     */
    public int recover() throws IOException {
        offsetIndex.reset();
        timeIndex.reset();
        maxTimestamp = -1;
        offsetOfMaxTimestamp = baseOffset;
        firstBatchTimestamp = -1;
        bytesSinceLastIndexEntry = 0;
        long fileSize = channel.size();
        long expected = baseOffset;
        BatchScanner scan = new BatchScanner(channel, 0, fileSize);
        long validEnd = 0;
        while (scan.next()) {
            ByteBuffer batch = scan.readBatch();
            if (BatchHeader.validate(batch, 0, batch.limit()) != null || scan.baseOffset() < expected
                    || !offsetIndex.canIndex(scan.lastOffset())) {
                break;
            }
            track(scan.position(), scan.size(), scan.lastOffset(), scan.maxTimestamp());
            expected = scan.lastOffset() + 1;
            validEnd = scan.position() + scan.size();
        }
        int cut = (int) (fileSize - validEnd);
        if (cut > 0) {
            channel.truncate(validEnd);
        }
        size = (int) validEnd;
        nextOffset = expected;
        txnIndex.truncateTo(expected);
        if (!txnIndex.isConsistentWith(baseOffset, expected)) {
            throw new IOException(txnIndex.file() + " is corrupt: its entries are out of order or outside the segment;"
                    + " restore the partition from a replica");
        }
        tailIsClean = true;
        dirty = true;
        flush();
        return cut;
    }

    /** Recomputes in-memory state past the last index entry: next offset, max timestamp, bytes since. */
    private void loadTail() throws IOException {
        TimestampOffset lastTime = timeIndex.lastEntry();
        maxTimestamp = lastTime.timestamp();
        offsetOfMaxTimestamp = lastTime.offset();
        long from = offsetIndex.entries() == 0 ? 0 : offsetIndex.entry(offsetIndex.entries() - 1).position();
        long next = offsetIndex.entries() == 0 ? baseOffset : offsetIndex.lastOffset() + 1;
        BatchScanner scan = new BatchScanner(channel, from, size);
        boolean ordered = true;
        while (scan.next()) {
            if (scan.baseOffset() < next && scan.position() > from) {
                ordered = false;
                break;
            }
            if (scan.position() == 0) {
                firstBatchTimestamp = scan.maxTimestamp();
            }
            if (scan.maxTimestamp() > maxTimestamp) {
                maxTimestamp = scan.maxTimestamp();
                offsetOfMaxTimestamp = scan.lastOffset();
            }
            next = scan.lastOffset() + 1;
        }
        bytesSinceLastIndexEntry = (int) (size - from);
        nextOffset = next;
        tailIsClean = ordered && scan.position() == size;
    }

    /**
     * Whether the segment can be trusted without {@link #recover()}: the batches after the last index
     * entry end exactly at the end of the file and the index files agree with the log.
     */
    public boolean looksIntact() {
        return tailIsClean && Files.exists(offsetIndex.file()) && Files.exists(timeIndex.file())
                && offsetIndex.isConsistentWith(size) && timeIndex.isConsistentWith(nextOffset)
                && txnIndex.isConsistentWith(baseOffset, nextOffset);
    }

    /** Forces the log and index files to disk if anything changed since the last flush. */
    public void flush() throws IOException {
        if (dirty) {
            channel.force(true);
            dirty = false;
        }
        offsetIndex.flush();
        timeIndex.flush();
        txnIndex.flush();
    }

    /** Called when a newer segment takes over: records the final max timestamp and seals the indexes. */
    public void onRolled() throws IOException {
        if (maxTimestamp >= 0) {
            timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
        }
        flush();
        offsetIndex.seal();
        timeIndex.seal();
        txnIndex.seal();
    }

    /** Makes a sealed segment the active one again (after truncation removed the segments above it). */
    public void reactivate() {
        offsetIndex.makeMutable();
        timeIndex.makeMutable();
        txnIndex.makeMutable();
    }

    /** Deletes the segment's files; the channel stays open for reads in flight until {@link #close()}. */
    public void deleteFiles() throws IOException {
        Files.deleteIfExists(logFile);
        offsetIndex.deleteFile();
        timeIndex.deleteFile();
        txnIndex.deleteFile();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "LogSegment(base=" + baseOffset + ", size=" + size + ", next=" + nextOffset + ")";
    }
}
