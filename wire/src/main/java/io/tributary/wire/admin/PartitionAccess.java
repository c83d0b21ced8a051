package io.tributary.wire.admin;

import io.tributary.replication.Partitions;
import io.tributary.replication.replica.PartitionReplica;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.TopicInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

/**
 * Finds the local leader replica of a partition for a read or a write, with Kafka's errors when it
 * cannot: unknown topic or id, not the leader, or a leader epoch the client has wrong.
 */
public final class PartitionAccess {
    private final Partitions partitions;
    private final java.util.function.Supplier<MetadataImage> metadata;

    public PartitionAccess(Partitions partitions, java.util.function.Supplier<MetadataImage> metadata) {
        this.partitions = partitions;
        this.metadata = metadata;
    }

    /** The outcome: a replica and its epoch, or an error. */
    public record Leader(Errors error, String topic, PartitionReplica replica, int leaderEpoch) {
        public boolean ok() {
            return error == Errors.NONE;
        }
    }

    /** A topic by name, or by id when the name is missing (newer request versions). */
    public TopicInfo topic(String name, Uuid id) {
        MetadataImage image = metadata.get();
        if (name != null && !name.isEmpty()) {
            return image.topics().get(name);
        }
        return id == null ? null : image.topic(id).orElse(null);
    }

    /**
     * The leader replica of a partition on this broker.
     *
     * @param currentLeaderEpoch the epoch the client believes current, or -1 to skip the check
     */
    public Leader leader(TopicInfo topic, boolean byId, int partition, int currentLeaderEpoch) {
        if (topic == null) {
            return new Leader(byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION, null, null, -1);
        }
        Partitions.Location loc = partitions.locate(topic.name(), partition).orElse(null);
        if (loc == null) {
            return new Leader(Errors.UNKNOWN_TOPIC_OR_PARTITION, topic.name(), null, -1);
        }
        PartitionReplica replica = partitions.replica(loc).orElse(null);
        if (replica == null || !partitions.isLeader(loc)) {
            return new Leader(Errors.NOT_LEADER_OR_FOLLOWER, topic.name(), null, -1);
        }
        int epoch = partitions.leaderEpoch(loc);
        if (currentLeaderEpoch >= 0 && currentLeaderEpoch < epoch) {
            return new Leader(Errors.FENCED_LEADER_EPOCH, topic.name(), null, epoch);
        }
        if (currentLeaderEpoch > epoch) {
            return new Leader(Errors.UNKNOWN_LEADER_EPOCH, topic.name(), null, epoch);
        }
        return new Leader(Errors.NONE, topic.name(), replica, epoch);
    }
}
