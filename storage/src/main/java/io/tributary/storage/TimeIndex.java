package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The {@code .timeindex} file of a segment: a sparse map from timestamp to offset, in Kafka's format.
 *
 * <pre>
 * entry (12 bytes, big-endian): timestamp int64 | relativeOffset int32
 * </pre>
 *
 * {@code timestamp} is the largest timestamp in the segment up to and including the batch whose last
 * offset is {@code baseOffset + relativeOffset}, and that batch is the first to reach it. Timestamps
 * strictly increase. Entries are written together with {@link OffsetIndex} entries, and once more when
 * the segment is rolled, so the last entry always holds the segment's largest timestamp.
 */
public final class TimeIndex extends IndexFile {
    public static final int ENTRY_SIZE = 12;

    private final long baseOffset;
    private final ByteBuffer scratch = ByteBuffer.allocate(ENTRY_SIZE);

    public TimeIndex(Path file, long baseOffset, int maxIndexBytes, boolean mutable) throws IOException {
        super(file, ENTRY_SIZE, maxIndexBytes, mutable);
        this.baseOffset = baseOffset;
    }

    @Override
    protected long key(ByteBuffer buf, int entryPosition) {
        return buf.getLong(entryPosition);
    }

    /** Appends (timestamp, offset) if the timestamp is larger than the last entry's. */
    public void maybeAppend(long timestamp, long offset) {
        if (entries() > 0) {
            TimestampOffset last = lastEntry();
            if (timestamp <= last.timestamp()) {
                return;
            }
            if (offset < last.offset()) {
                throw new IllegalArgumentException("offset " + offset + " below last indexed offset " + last.offset());
            }
        }
        if (isFull()) {
            return;
        }
        long relative = offset - baseOffset;
        if (relative < 0 || relative > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + offset + " out of range for base " + baseOffset);
        }
        scratch.clear();
        scratch.putLong(timestamp).putInt((int) relative);
        appendEntry(scratch.flip());
    }

    /** The entry with the largest timestamp at most {@code timestamp}, or (-1, baseOffset) if none. */
    public TimestampOffset lookup(long timestamp) {
        int i = largestLowerBound(timestamp);
        return i < 0 ? new TimestampOffset(-1, baseOffset) : entry(i);
    }

    public TimestampOffset entry(int i) {
        int at = i * ENTRY_SIZE;
        return new TimestampOffset(buffer().getLong(at), baseOffset + buffer().getInt(at + 8));
    }

    /** The last entry, or (-1, baseOffset) when empty. */
    public TimestampOffset lastEntry() {
        return entries() == 0 ? new TimestampOffset(-1, baseOffset) : entry(entries() - 1);
    }

    /** Removes every entry for an offset at or above {@code offset}. */
    public void truncateTo(long offset) {
        int keep = entries();
        while (keep > 0 && entry(keep - 1).offset() >= offset) {
            keep--;
        }
        truncateEntries(keep);
    }

    /** Timestamps strictly increase, offsets never decrease and stay below {@code nextOffset}. */
    public boolean isConsistentWith(long nextOffset) {
        TimestampOffset prev = null;
        for (int i = 0; i < entries(); i++) {
            TimestampOffset e = entry(i);
            if (e.offset() < baseOffset || e.offset() >= nextOffset
                    || (prev != null && (e.timestamp() <= prev.timestamp() || e.offset() < prev.offset()))) {
                return false;
            }
            prev = e;
        }
        return true;
    }
}
