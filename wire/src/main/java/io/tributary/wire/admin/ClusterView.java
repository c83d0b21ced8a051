package io.tributary.wire.admin;

import io.tributary.replication.Partitions;
import io.tributary.replication.RaftNode;
import io.tributary.replication.metadata.BrokerInfo;
import io.tributary.replication.metadata.LeaderReport;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.MetadataService;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
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

    /**
     * The brokers clients may use: registered and not fenced. A broker that knows no metadata leader is
     * cut off from the cluster and, as far as it can tell, fenced: it leaves itself out, so that clients
     * take their next Metadata from a broker that can tell them where leaders are now.
     */
    public Collection<BrokerInfo> brokers() {
        MetadataImage image = metadata.image();
        boolean selfCutOff = metadata.controller().isEmpty();
        return image.brokers().values().stream()
                .filter(b -> !image.fenced().contains(b.id()) && !(selfCutOff && b.id() == metadata.nodeId()))
                .toList();
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
     * Leader, epoch (the group's Raft term), replicas and in-sync replicas of a partition. A broker that
     * hosts the partition's group knows its leader first hand; others use what the leader last reported
     * to the metadata. A partition whose replica is not in place yet has no leader, nor has one whose
     * leader is cut off from the rest of its group.
     */
    public PartitionState state(Partitions.Location location) {
        return states().state(location);
    }

    /** A view for one request: group-level state is worked out once per group, not once per partition. */
    public States states() {
        return new States();
    }

    /** Partition states sharing what they have in common per replica group. */
    public final class States {
        private final MetadataImage image = metadata.image();
        private final Map<String, PartitionState> byGroup = new HashMap<>();

        public PartitionState state(Partitions.Location location) {
            List<Integer> replicas = location.group().replicas();
            PartitionState group = byGroup.computeIfAbsent(location.group().id(), g -> groupState(location));
            if (group.hasLeader() && partitions.leader(location).isPresent() && partitions.replica(location).isEmpty()) {
                return new PartitionState(-1, -1, replicas, List.of());
            }
            return group;
        }

        private PartitionState groupState(Partitions.Location location) {
            List<Integer> replicas = location.group().replicas();
            LeaderReport reported = image.leadership().get(location.group().id());
            Optional<Integer> local = partitions.leader(location);
            if (local.isPresent()) {
                List<Integer> inSync = partitions.isLeader(location) ? partitions.inSyncReplicas(location)
                        : reported != null && reported.leader() == local.get() ? reported.inSync() : List.of(local.get());
                return new PartitionState(local.get(), partitions.leaderEpoch(location), replicas, inSync);
            }
            // A broker hosting the group trusts only its own Raft view: no leader it can vouch for (an
            // election, or itself cut off from the majority) means none, whatever was reported before.
            if (partitions.hosts(location) || reported == null || image.fenced().contains(reported.leader())) {
                return new PartitionState(-1, -1, replicas, List.of());
            }
            return new PartitionState(reported.leader(), (int) reported.term(), replicas, reported.inSync());
        }
    }
}
