package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code .txnindex} file of a segment: the transactions whose abort marker is in the segment, in
 * Kafka's format, so that a read_committed fetch can name the records its consumer must skip.
 *
 * <pre>
 * entry (34 bytes, big-endian): version int16 (=0) | producerId int64 | firstOffset int64
 *                               | lastOffset int64 | lastStableOffset int64
 * </pre>
 *
 * Entries are in marker order, so {@code lastOffset} strictly increases (see {@link AbortedTxn}). As with
 * the other indexes, entries reach the file on {@link #flush()}: an entry that was not flushed belongs to
 * a marker past the log's recovery point, which the replicated log applies again. The file is created
 * with the first entry; most segments have none.
 */
public final class TransactionIndex extends IndexFile {
    public static final int ENTRY_SIZE = 34;
    private static final short VERSION = 0;
    private static final int LAST_OFFSET = 18;

    private final ByteBuffer scratch = ByteBuffer.allocate(ENTRY_SIZE);

    public TransactionIndex(Path file, boolean mutable) throws IOException {
        super(file, ENTRY_SIZE, Integer.MAX_VALUE, mutable, false);
    }

    @Override
    protected long key(ByteBuffer buf, int entryPosition) {
        return buf.getLong(entryPosition + LAST_OFFSET);
    }

    public void append(AbortedTxn txn) {
        if (entries() > 0 && txn.lastOffset() <= entry(entries() - 1).lastOffset()) {
            throw new IllegalArgumentException("abort marker at " + txn.lastOffset() + " not after the last one indexed, "
                    + entry(entries() - 1).lastOffset());
        }
        if (txn.firstOffset() > txn.lastOffset()) {
            throw new IllegalArgumentException("transaction starts at " + txn.firstOffset() + ", after its marker at "
                    + txn.lastOffset());
        }
        scratch.clear();
        scratch.putShort(VERSION).putLong(txn.producerId()).putLong(txn.firstOffset()).putLong(txn.lastOffset())
                .putLong(txn.lastStableOffset());
        appendEntry(scratch.flip());
    }

    public AbortedTxn entry(int i) {
        ByteBuffer buf = buffer();
        int at = i * ENTRY_SIZE;
        return new AbortedTxn(buf.getLong(at + 2), buf.getLong(at + 10), buf.getLong(at + 18), buf.getLong(at + 26));
    }

    /**
     * Adds to {@code out} every transaction aborted at or after {@code fetchOffset} that began before
     * {@code upperBound}: those whose records a fetch of [fetchOffset, upperBound) may hold. Returns true when
     * no later segment can hold more (an entry's last stable offset reached the bound).
     */
    public boolean collect(long fetchOffset, long upperBound, List<AbortedTxn> out) {
        for (int i = smallestUpperBound(fetchOffset), n = entries(); i < n; i++) {
            AbortedTxn txn = entry(i);
            if (txn.firstOffset() < upperBound) {
                out.add(txn);
            }
            if (txn.lastStableOffset() >= upperBound) {
                return true;
            }
        }
        return false;
    }

    /** Removes the entries of markers at or above {@code offset}. */
    public void truncateTo(long offset) {
        truncateEntries(smallestUpperBound(offset));
    }

    /** Whether every entry is of version 0, in marker order, and for a marker inside [base, next). */
    public boolean isConsistentWith(long baseOffset, long nextOffset) {
        long previous = -1;
        for (int i = 0; i < entries(); i++) {
            AbortedTxn txn = entry(i);
            if (buffer().getShort(i * ENTRY_SIZE) != VERSION || txn.lastOffset() <= previous
                    || txn.lastOffset() < baseOffset || txn.lastOffset() >= nextOffset || txn.firstOffset() > txn.lastOffset()) {
                return false;
            }
            previous = txn.lastOffset();
        }
        return true;
    }
}
