package io.tributary.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable log of one partition: a directory of {@link LogSegment}s and a {@link LogCheckpoint}.
 *
 * <p>One thread at a time changes the log (append, truncate, retention, flush; the methods are
 * synchronized so misuse is safe, not fast); reads run concurrently from any thread and see whole
 * batches only. Offsets are assigned by the caller, so every replica applying the same appends holds
 * byte-identical segments.
 *
 * <p>On open, segments that may hold bytes past the checkpointed recovery point, or whose index files
 * look wrong, are recovered: every batch is checked and the log is cut at the first bad one.
 */
public final class PartitionLog implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);
    /** How long a deleted segment's file stays open for reads already in flight (Kafka's file.delete.delay.ms). */
    static final long CLOSE_DELAY_MS = 60_000;

    private final Path dir;
    private final LongSupplier clock;
    private final ConcurrentNavigableMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
    private final Deque<Retired> retired = new ArrayDeque<>();
    private volatile LogConfig config;
    private volatile LogSegment active;
    private volatile long logStartOffset;
    private long recoveryPoint;

    private record Retired(LogSegment segment, long atMs) {
    }

    private PartitionLog(Path dir, LogConfig config, LongSupplier clock) {
        this.dir = dir;
        this.config = config;
        this.clock = clock;
    }

    /** Opens (creating if needed) the log in {@code dir}, recovering it if it was not flushed. */
    public static PartitionLog open(Path dir, LogConfig config, LongSupplier clock) throws IOException {
        Files.createDirectories(dir);
        PartitionLog log = new PartitionLog(dir, config, clock);
        log.load();
        return log;
    }

    public static PartitionLog open(Path dir, LogConfig config) throws IOException {
        return open(dir, config, System::currentTimeMillis);
    }

    private void load() throws IOException {
        TreeSet<Long> bases = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                Long base = baseOffsetOf(name, LogSegment.LOG_SUFFIX);
                if (base != null) {
                    bases.add(base);
                }
            }
        }
        deleteOrphanIndexes(bases);
        LogCheckpoint checkpoint = LogCheckpoint.read(dir);
        recoveryPoint = checkpoint == null ? 0 : checkpoint.recoveryPoint();
        logStartOffset = checkpoint == null ? (bases.isEmpty() ? 0 : bases.first()) : checkpoint.logStartOffset();

        List<Long> ordered = new ArrayList<>(bases);
        int recovered = 0;
        long cut = 0;
        for (int i = 0; i < ordered.size(); i++) {
            long base = ordered.get(i);
            boolean last = i == ordered.size() - 1;
            LogSegment segment = LogSegment.open(dir, base, config, last);
            long coversTo = last ? segment.nextOffset() : ordered.get(i + 1);
            LogSegment previous = active;
            if (previous != null && base < previous.nextOffset()) {
                LOG.warn("{}: segment {} overlaps the one before it; deleting it and everything after", dir, base);
                deleteFrom(segment, ordered.subList(i + 1, ordered.size()));
                break;
            }
            if (coversTo > recoveryPoint || !segment.looksIntact()) {
                int bytes = segment.recover();
                recovered++;
                cut += bytes;
                if (bytes > 0 && !last) {
                    LOG.warn("{}: cut {} corrupt bytes from segment {}; deleting the segments after it", dir, bytes, base);
                    for (Long later : ordered.subList(i + 1, ordered.size())) {
                        deleteSegmentFiles(later);
                    }
                    segments.put(base, segment);
                    active = segment;
                    break;
                }
                if (!last) {
                    segment.onRolled();
                }
            }
            segments.put(base, segment);
            active = segment;
        }
        if (active == null) {
            active = LogSegment.create(dir, logStartOffset, config, clock.getAsLong());
            segments.put(logStartOffset, active);
        } else {
            active.reactivate();
        }
        if (logEndOffset() < logStartOffset) {
            LOG.warn("{}: log ends at {} below its start offset {}; starting empty there", dir, logEndOffset(), logStartOffset);
            truncateFullyAndStartAt(logStartOffset);
        }
        logStartOffset = Math.max(logStartOffset, segments.firstKey());
        recoveryPoint = logEndOffset();
        LogCheckpoint now = new LogCheckpoint(recoveryPoint, logStartOffset);
        // A new, empty log needs no checkpoint: without one, recovery starts from the beginning anyway.
        if (checkpoint == null ? recoveryPoint > 0 || logStartOffset > 0 : !checkpoint.equals(now)) {
            writeCheckpoint();
        }
        if (recovered > 0) {
            LOG.info("{}: recovered {} segment(s), cut {} bytes, log [{}, {})", dir, recovered, cut, logStartOffset, logEndOffset());
        }
    }

    private void deleteFrom(LogSegment segment, List<Long> laterBases) throws IOException {
        segment.deleteFiles();
        segment.close();
        for (Long later : laterBases) {
            deleteSegmentFiles(later);
        }
    }

    private void deleteSegmentFiles(long base) throws IOException {
        for (String suffix : List.of(LogSegment.LOG_SUFFIX, LogSegment.INDEX_SUFFIX, LogSegment.TIME_INDEX_SUFFIX,
                LogSegment.TXN_INDEX_SUFFIX)) {
            Files.deleteIfExists(dir.resolve(LogSegment.fileName(base, suffix)));
        }
    }

    private void deleteOrphanIndexes(TreeSet<Long> bases) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                Long base = baseOffsetOf(name, LogSegment.INDEX_SUFFIX);
                if (base == null) {
                    base = baseOffsetOf(name, LogSegment.TIME_INDEX_SUFFIX);
                }
                if (base == null) {
                    base = baseOffsetOf(name, LogSegment.TXN_INDEX_SUFFIX);
                }
                if (base != null && !bases.contains(base)) {
                    Files.delete(f);
                }
            }
        }
    }

    private static Long baseOffsetOf(String name, String suffix) {
        if (name.length() != 20 + suffix.length() || !name.endsWith(suffix)) {
            return null;
        }
        try {
            return Long.parseLong(name.substring(0, 20));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public Path dir() {
        return dir;
    }

    public LogConfig config() {
        return config;
    }

    /** Applies new settings; they take effect at the next append and retention pass. */
    public void updateConfig(LogConfig newConfig) {
        this.config = newConfig;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    /** The offset the next appended record will get. */
    public long logEndOffset() {
        return active.nextOffset();
    }

    public long recoveryPoint() {
        return recoveryPoint;
    }

    public int segmentCount() {
        return segments.size();
    }

    /** Total bytes in all segments. */
    public long sizeInBytes() {
        long total = 0;
        for (LogSegment s : segments.values()) {
            total += s.size();
        }
        return total;
    }

    /** Base offsets of the segments, oldest first. */
    public List<Long> segmentBaseOffsets() {
        return new ArrayList<>(segments.keySet());
    }

    /**
     * Appends whole RecordBatch v2 batches whose offsets the caller assigned, starting at or after
     * {@link #logEndOffset()}. Rolls to a new segment first when the active one is full or old.
     */
    public synchronized void append(ByteBuffer batches) throws IOException {
        if (!batches.hasRemaining()) {
            return;
        }
        int start = batches.position();
        if (batches.remaining() < BatchHeader.SIZE) {
            throw new IllegalArgumentException("incomplete batch of " + batches.remaining() + " bytes");
        }
        long baseOffset = BatchHeader.baseOffset(batches, start);
        if (baseOffset < logEndOffset()) {
            throw new IllegalArgumentException("batch offset " + baseOffset + " is below the log end offset " + logEndOffset());
        }
        long lastOffset = BatchHeader.lastOffsetIn(batches);
        if (active.shouldRoll(batches.remaining(), lastOffset, clock.getAsLong(), config)) {
            roll(baseOffset);
        }
        active.append(batches);
    }

    /** Starts a new active segment at {@code baseOffset} (replacing the active one if it is empty). */
    public synchronized void roll(long baseOffset) throws IOException {
        LogSegment previous = active;
        if (previous.size() == 0) {
            if (previous.baseOffset() == baseOffset) {
                return;
            }
            segments.remove(previous.baseOffset());
            retire(previous);
        } else {
            previous.onRolled();
        }
        LogSegment next = LogSegment.create(dir, baseOffset, config, clock.getAsLong());
        segments.put(baseOffset, next);
        active = next;
    }

    /**
     * Reads from the batch holding {@code offset}: at most {@code maxBytes} (but the whole first batch if
     * {@code minOneBatch}), only batches that end before {@code maxOffset}, from a single segment.
     *
     * @throws OffsetOutOfRangeException if offset is below the log start or above the log end
     */
    public FileSlice read(long offset, int maxBytes, long maxOffset, boolean minOneBatch)
            throws IOException, OffsetOutOfRangeException {
        long end = logEndOffset();
        long start = logStartOffset;
        if (offset < start || offset > end) {
            throw new OffsetOutOfRangeException(offset, start, end);
        }
        if (offset >= end || offset >= maxOffset) {
            return FileSlice.EMPTY;
        }
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(offset);
        if (entry == null) {
            entry = segments.firstEntry();
        }
        while (entry != null) {
            FileSlice slice = entry.getValue().read(offset, maxBytes, maxOffset, minOneBatch);
            if (!slice.isEmpty()) {
                return slice;
            }
            entry = segments.higherEntry(entry.getKey());
        }
        return FileSlice.EMPTY;
    }

    /** The first record at or after the log start whose timestamp is at least {@code timestamp}, or null. */
    public TimestampOffset offsetForTimestamp(long timestamp) throws IOException {
        long start = logStartOffset;
        for (LogSegment segment : segments.values()) {
            if (segment.maxTimestamp() >= timestamp && segment.nextOffset() > start) {
                TimestampOffset found = segment.findOffsetByTimestamp(timestamp, start);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    /** The largest timestamp in the log and the first record that has it, or null for an empty log. */
    public TimestampOffset maxTimestampAndOffset() throws IOException {
        LogSegment best = null;
        for (LogSegment segment : segments.values()) {
            if (segment.nextOffset() > logStartOffset && (best == null || segment.maxTimestamp() > best.maxTimestamp())) {
                best = segment;
            }
        }
        if (best == null || best.maxTimestamp() < 0) {
            return null;
        }
        return best.findOffsetByTimestamp(best.maxTimestamp(), logStartOffset);
    }

    /** The largest batch timestamp in the log, -1 if there is none. */
    public long largestTimestamp() {
        long max = -1;
        for (LogSegment segment : segments.values()) {
            max = Math.max(max, segment.maxTimestamp());
        }
        return max;
    }

    /** Indexes a transaction aborted by the marker at {@code txn.lastOffset()}, which was just appended. */
    public synchronized void appendAbortedTxn(AbortedTxn txn) {
        segments.floorEntry(txn.lastOffset()).getValue().appendAbortedTxn(txn);
    }

    /**
     * The transactions a read_committed consumer must know of to read [fetchOffset, upperBound): those
     * aborted at or after {@code fetchOffset} that began before {@code upperBound}, in marker order.
     */
    public List<AbortedTxn> abortedTxns(long fetchOffset, long upperBound) {
        List<AbortedTxn> out = new ArrayList<>();
        Long from = segments.floorKey(fetchOffset);
        for (LogSegment segment : segments.tailMap(from == null ? segments.firstKey() : from, true).values()) {
            if (segment.collectAbortedTxns(fetchOffset, upperBound, out)) {
                break;
            }
        }
        return out;
    }

    /**
     * An offset above every record of {@code slice}, which {@link #read} returned for {@code offset} (see
     * {@link LogSegment#offsetBoundAt}). The slice's segment is the one holding {@code offset} or one after.
     */
    public long offsetBoundOf(long offset, FileSlice slice) {
        Long from = segments.floorKey(offset);
        for (LogSegment segment : segments.tailMap(from == null ? segments.firstKey() : from, true).values()) {
            if (segment.holds(slice)) {
                return segment.offsetBoundAt(slice.position() + slice.size());
            }
        }
        return logEndOffset();
    }

    /**
     * Deletes closed segments that retention.ms, retention.bytes or the log start offset no longer keep,
     * oldest first, but none holding an offset at or above {@code keepFrom} (an open transaction's first
     * offset); the active segment is never deleted. Returns how many segments were deleted.
     */
    public synchronized int applyRetention(long keepFrom) throws IOException {
        long now = clock.getAsLong();
        LogConfig cfg = config;
        long size = sizeInBytes();
        int deleted = 0;
        while (segments.size() > 1) {
            LogSegment oldest = segments.firstEntry().getValue();
            long nextBase = segments.higherKey(oldest.baseOffset());
            boolean expired = cfg.retentionMs() >= 0 && now - oldest.retentionTimestamp() > cfg.retentionMs();
            boolean oversized = cfg.retentionBytes() >= 0 && size - oldest.size() >= cfg.retentionBytes();
            boolean belowStart = nextBase <= logStartOffset;
            if (nextBase > keepFrom || !expired && !oversized && !belowStart) {
                break;
            }
            size -= oldest.size();
            deleteOldest(nextBase);
            deleted++;
        }
        if (deleted > 0) {
            writeCheckpoint();
        }
        closeRetired(false);
        return deleted;
    }

    private void deleteOldest(long nextBase) throws IOException {
        Map.Entry<Long, LogSegment> oldest = segments.firstEntry();
        logStartOffset = Math.max(logStartOffset, nextBase);
        segments.remove(oldest.getKey());
        oldest.getValue().deleteFiles();
        retire(oldest.getValue());
    }

    /**
     * Moves the log start offset forward to {@code offset} (DeleteRecords): records below it are no
     * longer readable, and segments wholly below it are deleted. Returns false if it was already there.
     */
    public synchronized boolean advanceLogStartOffset(long offset) throws IOException {
        if (offset > logEndOffset()) {
            throw new IllegalArgumentException("log start offset " + offset + " beyond log end offset " + logEndOffset());
        }
        if (offset <= logStartOffset) {
            return false;
        }
        logStartOffset = offset;
        while (segments.size() > 1 && segments.higherKey(segments.firstKey()) <= offset) {
            deleteOldest(segments.higherKey(segments.firstKey()));
        }
        writeCheckpoint();
        return true;
    }

    /**
     * Removes every record at or above {@code offset}; a batch holding it is removed whole. Truncating
     * below the log start empties the log and starts it at {@code offset}; if removing a whole batch
     * takes the end below the start, the start moves down to the (empty) end.
     */
    public synchronized void truncateTo(long offset) throws IOException {
        if (offset >= logEndOffset()) {
            return;
        }
        Map.Entry<Long, LogSegment> floor = segments.floorEntry(offset);
        if (offset < logStartOffset || floor == null) {
            truncateFullyAndStartAt(offset);
            return;
        }
        for (LogSegment above : new ArrayList<>(segments.tailMap(floor.getKey(), false).values())) {
            segments.remove(above.baseOffset());
            above.deleteFiles();
            retire(above);
        }
        LogSegment segment = floor.getValue();
        segment.reactivate();
        segment.truncateTo(offset);
        active = segment;
        // A batch holding the offset goes whole, which can leave the end below the start.
        logStartOffset = Math.min(logStartOffset, logEndOffset());
        recoveryPoint = Math.min(recoveryPoint, logEndOffset());
        writeCheckpoint();
    }

    /** Deletes every record and starts the log, empty, at {@code offset} (below or above its end). */
    public synchronized void truncateFullyAndStartAt(long offset) throws IOException {
        for (LogSegment segment : new ArrayList<>(segments.values())) {
            segments.remove(segment.baseOffset());
            segment.deleteFiles();
            retire(segment);
        }
        LogSegment fresh = LogSegment.create(dir, offset, config, clock.getAsLong());
        segments.put(offset, fresh);
        active = fresh;
        logStartOffset = offset;
        recoveryPoint = offset;
        writeCheckpoint();
    }

    /** Forces every unflushed byte to disk and moves the recovery point to the log end. */
    public synchronized void flush() throws IOException {
        long end = logEndOffset();
        if (end == recoveryPoint) {
            return;
        }
        Long from = segments.floorKey(recoveryPoint);
        for (LogSegment segment : segments.tailMap(from == null ? segments.firstKey() : from, true).values()) {
            segment.flush();
        }
        recoveryPoint = end;
        writeCheckpoint();
    }

    private void writeCheckpoint() throws IOException {
        new LogCheckpoint(recoveryPoint, logStartOffset).write(dir);
    }

    private void retire(LogSegment segment) {
        retired.add(new Retired(segment, clock.getAsLong()));
    }

    private void closeRetired(boolean all) throws IOException {
        long now = clock.getAsLong();
        while (!retired.isEmpty() && (all || now - retired.peekFirst().atMs() >= CLOSE_DELAY_MS)) {
            retired.pollFirst().segment().close();
        }
    }

    /** Flushes and closes every file. */
    @Override
    public synchronized void close() throws IOException {
        flush();
        closeRetired(true);
        for (LogSegment segment : segments.values()) {
            segment.close();
        }
    }

    /** Closes the log and deletes its directory (the partition was deleted). */
    public synchronized void delete() throws IOException {
        closeRetired(true);
        for (LogSegment segment : segments.values()) {
            segment.close();
        }
        segments.clear();
        deleteDirectory(dir);
    }

    /**
     * Closes the log and moves its directory to {@code target} in one rename, so that the partition is gone
     * from its own name but its files can still be brought back (or deleted later).
     */
    public synchronized void closeAndMove(Path target) throws IOException {
        close();
        Files.move(dir, target, StandardCopyOption.ATOMIC_MOVE);
        Io.fsyncDirectory(dir.getParent());
    }

    /** Deletes a partition directory and everything in it, if it exists. */
    public static void deleteDirectory(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(files.toList());
            Collections.reverse(all);
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public String toString() {
        return "PartitionLog(" + dir + ", [" + logStartOffset + ", " + logEndOffset() + "), " + segments.size() + " segments)";
    }
}
