package io.tributary.coordinator.runtime;

import io.tributary.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** What a coordinator runtime needs from the partitions of its internal topic. */
public interface TopicPartitionLogs {
    /** How many partitions the topic has, 0 if it does not exist (yet). */
    int partitionCount();

    /** Whether this broker leads the partition and holds its replica. */
    boolean isLeader(int partition);

    /** The local log of the partition, for loading. */
    Optional<PartitionLog> log(int partition);

    /** Appends one record batch through Raft; completes with its base offset once committed. */
    CompletableFuture<Long> append(int partition, ByteBuffer batch);

    /** Moves the partition's log start offset to {@code offset} (records below are gone). */
    CompletableFuture<Void> deleteBefore(int partition, long offset);
}
