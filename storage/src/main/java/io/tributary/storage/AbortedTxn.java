package io.tributary.storage;

/**
 * A transaction that was aborted: one entry of a segment's {@link TransactionIndex}.
 *
 * @param producerId       the producer whose transaction it was
 * @param firstOffset      the transaction's first offset (possibly in an earlier segment)
 * @param lastOffset       the offset of its abort marker
 * @param lastStableOffset the partition's last stable offset once the marker was written: no transaction
 *                         aborted later began below it, which lets a search stop there
 */
public record AbortedTxn(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {
}
