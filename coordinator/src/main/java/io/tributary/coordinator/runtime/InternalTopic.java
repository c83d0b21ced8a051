package io.tributary.coordinator.runtime;

import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** What a coordinator runtime needs from the partitions of its internal topic: records in, records out. */
public interface InternalTopic {
    /** How many partitions the topic has, 0 if it does not exist (yet). */
    int partitionCount();

    /** Whether this broker leads the partition and holds its replica. */
    boolean isLeader(int partition);

    /** The partition's leader epoch while this broker leads it, else -1. */
    int leaderEpoch(int partition);

    /**
     * The partition's records and transaction markers from its log start on, in order, read as they are
     * iterated, for loading a shard; empty when this broker does not lead the partition. Iterating fails
     * with a Kafka exception if the log cannot be read.
     */
    Optional<Iterator<LogEntry>> records(int partition);

    /**
     * Appends records through Raft, in a producer's transaction when {@code txn} is not null; completes with
     * the offset of the first once committed.
     */
    CompletableFuture<Long> append(int partition, List<CoordinatorRecord> records, TransactionalWrite txn);

    /** Writes a transaction marker for the producer through Raft; completes once committed. */
    CompletableFuture<Void> writeMarker(int partition, long producerId, short producerEpoch, int coordinatorEpoch,
                                        boolean commit);

    /** The offset of the producer's last transaction marker in the partition, -1 if none (see {@link TransactionalWrite}). */
    long lastMarkerOffset(int partition, long producerId);

    /** Moves the partition's log start offset to {@code offset} (records below are gone). */
    CompletableFuture<Void> deleteBefore(int partition, long offset);
}
