package io.tributary.coordinator.runtime;

/**
 * Records a shard writes in a producer's transaction (transactional offset commits): they take effect
 * when the transaction's commit marker is written to the partition.
 *
 * @param expectedMarker the producer's last marker offset in the partition when the transaction
 *                       coordinator confirmed the transaction: a marker written since makes the write fail
 *                       (or {@code Partitions.Write.EPOCH_GUARDED} under transaction protocol version 2)
 */
public record TransactionalWrite(long producerId, short producerEpoch, long expectedMarker) {
}
