package io.tributary.coordinator.runtime;

import io.tributary.replication.Partitions;
import io.tributary.replication.replica.ReplicaGroupCommand;
import io.tributary.replication.replica.PartitionReplica;
import io.tributary.replication.replica.PartitionResult;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.protocol.Errors;

/** The partitions of an internal topic, replicated like any other, as a coordinator runtime uses them. */
public final class InternalTopicLogs implements TopicPartitionLogs {
    private final String topic;
    private final Partitions partitions;
    private final Supplier<MetadataImage> metadata;

    public InternalTopicLogs(String topic, Partitions partitions, Supplier<MetadataImage> metadata) {
        this.topic = topic;
        this.partitions = partitions;
        this.metadata = metadata;
    }

    @Override
    public int partitionCount() {
        TopicInfo t = metadata.get().topics().get(topic);
        return t == null ? 0 : t.partitionCount();
    }

    @Override
    public boolean isLeader(int partition) {
        return partitions.locate(topic, partition)
                .map(loc -> partitions.isLeader(loc) && partitions.replica(loc).isPresent())
                .orElse(false);
    }

    @Override
    public Optional<PartitionLog> log(int partition) {
        return partitions.locate(topic, partition).flatMap(partitions::replica).map(PartitionReplica::log);
    }

    @Override
    public CompletableFuture<Long> append(int partition, ByteBuffer batch) {
        Partitions.Location loc = partitions.locate(topic, partition).orElse(null);
        if (loc == null) {
            return CompletableFuture.failedFuture(new NotCoordinatorException(topic + "-" + partition + " does not exist"));
        }
        return partitions.produce(loc.raftGroup(), System.currentTimeMillis(),
                List.of(new ReplicaGroupCommand.ProduceItem(loc.key(), false, batch))).thenApply(results -> offsetOf(results, partition));
    }

    @Override
    public CompletableFuture<Void> deleteBefore(int partition, long offset) {
        Partitions.Location loc = partitions.locate(topic, partition).orElse(null);
        if (loc == null) {
            return CompletableFuture.completedFuture(null);
        }
        return partitions.deleteRecords(loc.raftGroup(), List.of(loc.key()), List.of(offset)).thenApply(r -> null);
    }

    private long offsetOf(List<PartitionResult> results, int partition) {
        PartitionResult r = results.get(0);
        if (r.error() != Errors.NONE) {
            throw new NotCoordinatorException("appending to " + topic + "-" + partition + " failed: " + r.error());
        }
        return r.offset();
    }
}
