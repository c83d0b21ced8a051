package io.tributary.wire.admin;

import io.tributary.replication.Partitions;
import io.tributary.replication.RaftNode;
import io.tributary.replication.metadata.BrokerInfo;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.MetadataService;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** The cluster as Metadata and DescribeCluster describe it: brokers, controller, partition leadership. */
public final class ClusterView {
    private final MetadataService metadata;
    private final Partitions partitions;

    public ClusterView(MetadataService metadata, Partitions partitions) {
        this.metadata = metadata;
        this.partitions = partitions;
    }

    public MetadataImage image() {
        return metadata.image();
    }

    public String clusterId() {
        String id = metadata.image().clusterId();
        return id == null ? RaftNode.METADATA_GROUP.getUuid().toString() : id;
    }

    public Collection<BrokerInfo> brokers() {
        return metadata.image().brokers().values();
    }

    /** The broker leading the metadata group, or -1 while there is none. */
    public int controllerId() {
        return metadata.controller().orElse(-1);
    }

    /** A partition's leadership as clients see it. */
    public record PartitionState(int leader, int leaderEpoch, List<Integer> replicas, List<Integer> inSync) {
        public boolean hasLeader() {
            return leader >= 0;
        }
    }

    /**
     * Leader, epoch (the group's Raft term), replicas and in-sync replicas of a partition. A partition
     * whose replica is not in place yet has no leader.
     */
    public PartitionState state(Partitions.Location location) {
        List<Integer> replicas = location.group().replicas();
        Optional<Integer> leader = partitions.leader(location);
        if (leader.isEmpty() || partitions.replica(location).isEmpty()) {
            return new PartitionState(-1, -1, replicas, List.of());
        }
        return new PartitionState(leader.get(), partitions.leaderEpoch(location), replicas, partitions.inSyncReplicas(location));
    }
}
