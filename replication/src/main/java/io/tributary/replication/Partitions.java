package io.tributary.replication;

import io.tributary.replication.replica.ReplicaGroupCommand;
import io.tributary.replication.replica.PartitionKey;
import io.tributary.replication.replica.PartitionReplica;
import io.tributary.replication.replica.PartitionResult;
import io.tributary.replication.replica.ReplicaGroup;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.ReplicaGroupInfo;
import io.tributary.replication.metadata.TopicInfo;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * The partitions as the protocol layer sees them: where each lives, whether this broker leads it, its
 * local replica for reads, and writes that go through its replica group's Raft log.
 */
public final class Partitions {
    private final RaftNode node;
    private final Supplier<MetadataImage> metadata;
    private final Map<String, ReplicaGroup> replicaGroups = new ConcurrentHashMap<>();
    private final AppendWatchers watchers = new AppendWatchers();

    Partitions(RaftNode node, Supplier<MetadataImage> metadata) {
        this.node = node;
        this.metadata = metadata;
    }

    void register(ReplicaGroup group) {
        replicaGroups.put(group.groupId(), group);
    }

    Collection<ReplicaGroup> localReplicaGroups() {
        return replicaGroups.values();
    }

    /** Every partition replica this broker hosts, led here or not. */
    public List<PartitionReplica> localReplicas() {
        List<PartitionReplica> all = new java.util.ArrayList<>();
        replicaGroups.values().forEach(g -> all.addAll(g.partitions()));
        return all;
    }

    AppendWatchers watchers() {
        return watchers;
    }

    /** Where a partition lives, if its topic and partition exist. */
    public Optional<Location> locate(String topic, int partition) {
        TopicInfo t = metadata.get().topics().get(topic);
        if (t == null || partition < 0 || partition >= t.partitionCount()) {
            return Optional.empty();
        }
        ReplicaGroupInfo group = metadata.get().replicaGroups().get(t.partitionGroups().get(partition));
        return group == null ? Optional.empty() : Optional.of(new Location(new PartitionKey(t.id(), partition), t, group));
    }

    /** A partition's place: its key, topic and replica group. */
    public record Location(PartitionKey key, TopicInfo topic, ReplicaGroupInfo group) {
        public RaftGroupId raftGroup() {
            return RaftGroupId.valueOf(UUID.fromString(group.id()));
        }
    }

    /** This broker's replica of a partition, if it hosts one (it may not lead it). */
    public Optional<PartitionReplica> replica(Location location) {
        ReplicaGroup group = replicaGroups.get(location.group().id());
        return group == null ? Optional.empty() : Optional.ofNullable(group.partition(location.key()));
    }

    public boolean isLeader(Location location) {
        return node.isLeader(location.raftGroup());
    }

    /** The partition's leader epoch: its group's Raft term (-1 if this broker does not host the group). */
    public int leaderEpoch(Location location) {
        return (int) node.term(location.raftGroup());
    }

    /** Whether this broker is a member of the partition's replica group. */
    public boolean hosts(Location location) {
        return node.hosts(location.raftGroup());
    }

    /** The broker leading the partition's group, as far as this broker knows. */
    public Optional<Integer> leader(Location location) {
        return hosts(location) ? node.leader(location.raftGroup()) : Optional.empty();
    }

    /**
     * The replicas that have every committed entry of the partition's group. Only the leader knows; other
     * brokers answer with the leader alone.
     */
    public List<Integer> inSyncReplicas(Location location) {
        return node.inSyncReplicas(location.raftGroup());
    }

    /** Appends batches to partitions of one replica group in a single Raft entry. */
    public CompletableFuture<List<PartitionResult>> produce(RaftGroupId group, long timestampMs,
                                                            List<ReplicaGroupCommand.ProduceItem> items) {
        return submit(group, new ReplicaGroupCommand.Produce(timestampMs, items));
    }

    /** Moves log start offsets forward; an offset of -1 means the high watermark. */
    public CompletableFuture<List<PartitionResult>> deleteRecords(RaftGroupId group, List<PartitionKey> keys, List<Long> offsets) {
        return submit(group, new ReplicaGroupCommand.DeleteRecords(keys, offsets));
    }

    CompletableFuture<List<PartitionResult>> submit(RaftGroupId group, ReplicaGroupCommand command) {
        ByteBuffer entry = ReplicaGroupCommand.encode(command);
        return node.submit(group, entry).thenApply(PartitionResult::decodeAll);
    }

    /** Calls {@code callback} once, on the next append to any of {@code keys}. */
    public AppendWatchers.Watch watch(Collection<PartitionKey> keys, Runnable callback) {
        return watchers.watch(keys, callback);
    }
}
