package io.tributary.coordinator.txn;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/** Writes a transaction's commit or abort markers to its partitions, wherever they are led (WriteTxnMarkers). */
public interface MarkerWriter {
    /**
     * Writes one marker per partition; completes with each partition's error: NONE once written,
     * UNKNOWN_TOPIC_OR_PARTITION for a partition that no longer exists, a retriable error (not the leader,
     * no leader, timeout) to try again, INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED when a
     * newer producer or coordinator owns the transaction.
     */
    CompletableFuture<Map<TopicPartition, Errors>> write(long producerId, short producerEpoch, int coordinatorEpoch,
                                                         boolean commit, Set<TopicPartition> partitions);
}
