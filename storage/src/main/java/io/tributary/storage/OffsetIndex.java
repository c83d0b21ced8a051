package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The {@code .index} file of a segment: a sparse map from offset to the byte position of a batch in the
 * {@code .log} file, in Kafka's format.
 *
 * <pre>
 * entry (8 bytes, big-endian): relativeOffset int32 | position int32
 * </pre>
 *
 * {@code relativeOffset} is a batch's last offset minus the segment's base offset, and {@code position}
 * is where that batch starts. Entries are strictly increasing in both fields. One entry is written each
 * time more than {@code index.interval.bytes} were appended since the previous entry.
 */
public final class OffsetIndex extends IndexFile {
    public static final int ENTRY_SIZE = 8;

    private final long baseOffset;
    private final ByteBuffer scratch = ByteBuffer.allocate(ENTRY_SIZE);

    public OffsetIndex(Path file, long baseOffset, int maxIndexBytes, boolean mutable) throws IOException {
        super(file, ENTRY_SIZE, maxIndexBytes, mutable);
        this.baseOffset = baseOffset;
    }

    @Override
    protected long key(ByteBuffer buf, int entryPosition) {
        return baseOffset + buf.getInt(entryPosition);
    }

    public void append(long offset, int position) {
        if (entries() > 0 && offset <= lastOffset()) {
            throw new IllegalArgumentException("offset " + offset + " not above last indexed offset " + lastOffset());
        }
        scratch.clear();
        scratch.putInt(toRelative(offset)).putInt(position);
        appendEntry(scratch.flip());
    }

    /** The entry with the largest offset at most {@code offset}, or (baseOffset, 0) if none. */
    public OffsetPosition lookup(long offset) {
        int i = largestLowerBound(offset);
        return i < 0 ? new OffsetPosition(baseOffset, 0) : entry(i);
    }

    public OffsetPosition entry(int i) {
        int at = i * ENTRY_SIZE;
        return new OffsetPosition(baseOffset + buffer().getInt(at), buffer().getInt(at + 4));
    }

    /** The offset of the first entry whose batch starts at or after {@code position}, or -1 if none. */
    public long firstOffsetFrom(long position) {
        int lo = 0;
        int hi = entries();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (entry(mid).position() < position) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo < entries() ? entry(lo).offset() : -1;
    }

    public long lastOffset() {
        return entries() == 0 ? baseOffset : entry(entries() - 1).offset();
    }

    /** Removes every entry for an offset at or above {@code offset}. */
    public void truncateTo(long offset) {
        truncateEntries(smallestUpperBound(offset));
    }

    /** True when offset fits the 32-bit relative offset of this index. */
    public boolean canIndex(long offset) {
        long relative = offset - baseOffset;
        return relative >= 0 && relative <= Integer.MAX_VALUE;
    }

    /**
     * Checks the invariants recovery relies on: offsets and positions strictly increase and every
     * position lies inside a log of {@code logSize} bytes.
     */
    public boolean isConsistentWith(long logSize) {
        long prevOffset = -1;
        long prevPosition = -1;
        for (int i = 0; i < entries(); i++) {
            OffsetPosition e = entry(i);
            if (e.offset() <= prevOffset || e.position() <= prevPosition || e.position() >= logSize
                    || e.offset() < baseOffset) {
                return false;
            }
            prevOffset = e.offset();
            prevPosition = e.position();
        }
        return true;
    }

    private int toRelative(long offset) {
        if (!canIndex(offset)) {
            throw new IllegalArgumentException("offset " + offset + " out of range for base " + baseOffset);
        }
        return (int) (offset - baseOffset);
    }

    /** An index entry: an offset and the position of the batch that ends at it. */
    public record OffsetPosition(long offset, int position) {
    }
}
