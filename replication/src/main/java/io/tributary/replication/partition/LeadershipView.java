package io.tributary.replication.partition;

import io.tributary.replication.RaftGroups;
import io.tributary.replication.metadata.LeaderReport;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.replication.replica.ReplicaGroups;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Partition leadership as clients are told it (Metadata, FindCoordinator), for one request: what a
 * replica group has in common is worked out once per group, not once per partition.
 *
 * <p>A broker that hosts a partition's group knows its leader first hand; others use what the leader
 * last reported to the metadata. A partition whose replica is not in place yet has no leader, nor has
 * one whose leader is cut off from the rest of its group.
 */
public final class LeadershipView {
    /** A partition's leader (-1: none), leader epoch, replicas and in-sync replicas. */
    public record PartitionState(int leader, int leaderEpoch, List<Integer> replicas, List<Integer> inSync) {
        public boolean hasLeader() {
            return leader >= 0;
        }
    }

    private static final PartitionState UNPLACED = new PartitionState(-1, -1, List.of(), List.of());

    private final RaftGroups raft;
    private final ReplicaGroups local;
    private final MetadataImage image;
    private final Map<String, PartitionState> byGroup = new HashMap<>();

    LeadershipView(RaftGroups raft, ReplicaGroups local, MetadataImage image) {
        this.raft = raft;
        this.local = local;
        this.image = image;
    }

    public PartitionState state(TopicInfo topic, int partition) {
        Location location = Location.of(image, topic, partition);
        if (location == null) {
            return UNPLACED;
        }
        PartitionState group = byGroup.computeIfAbsent(location.group().id(), g -> groupState(location));
        if (group.hasLeader() && raft.leader(location.raftGroup()).isPresent()
                && local.replica(location.group().id(), location.key()).isEmpty()) {
            return new PartitionState(-1, -1, location.group().replicas(), List.of());
        }
        return group;
    }

    private PartitionState groupState(Location location) {
        List<Integer> replicas = location.group().replicas();
        LeaderReport reported = image.leadership().get(location.group().id());
        Optional<Integer> known = raft.leader(location.raftGroup());
        if (known.isPresent()) {
            List<Integer> inSync = raft.isLeader(location.raftGroup()) ? raft.inSyncReplicas(location.raftGroup())
                    : reported != null && reported.leader() == known.get() ? reported.inSync() : List.of(known.get());
            return new PartitionState(known.get(), (int) raft.term(location.raftGroup()), replicas, inSync);
        }
        // A broker hosting the group trusts only its own Raft view: no leader it can vouch for (an
        // election, or itself cut off from the majority) means none, whatever was reported before.
        if (raft.hosts(location.raftGroup()) || reported == null || image.fenced().contains(reported.leader())) {
            return new PartitionState(-1, -1, replicas, List.of());
        }
        return new PartitionState(reported.leader(), (int) reported.term(), replicas, reported.inSync());
    }
}
