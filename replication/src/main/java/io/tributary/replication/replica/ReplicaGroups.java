package io.tributary.replication.replica;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The replica groups this broker hosts, by group id, registered as Ratis creates their state machines. */
public final class ReplicaGroups {
    private final Map<String, ReplicaGroup> groups = new ConcurrentHashMap<>();

    public void register(ReplicaGroup group) {
        groups.put(group.groupId(), group);
    }

    public Collection<ReplicaGroup> all() {
        return groups.values();
    }

    /** This broker's replica of a partition in group {@code groupId}, if it hosts one (led here or not). */
    public Optional<PartitionReplica> replica(String groupId, PartitionKey key) {
        ReplicaGroup group = groups.get(groupId);
        return group == null ? Optional.empty() : Optional.ofNullable(group.partition(key));
    }

    /** Every partition replica this broker hosts. */
    public List<PartitionReplica> replicas() {
        List<PartitionReplica> all = new ArrayList<>();
        groups.values().forEach(g -> all.addAll(g.partitions()));
        return all;
    }
}
