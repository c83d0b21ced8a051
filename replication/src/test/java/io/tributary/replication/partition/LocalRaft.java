package io.tributary.replication.partition;

import io.tributary.replication.RaftGroups;
import io.tributary.replication.replica.ReplicaGroup;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * Raft for one broker without Ratis, for tests of one class: an entry is applied to its replica group at
 * once, on the submitting thread, at the current term; this broker (node 1) leads every group it hosts
 * unless a test says otherwise, and can be made to fail or hold entries.
 */
final class LocalRaft implements RaftGroups {
    private final Map<RaftGroupId, ReplicaGroup> groups = new HashMap<>();
    /** Every entry submitted, in order, by group. */
    final List<RaftGroupId> submitted = new ArrayList<>();
    boolean leader = true;
    /** Elected here and not ready for writes yet (see {@link RaftGroups#isBecomingLeader}). */
    boolean becoming;
    long term = 1;
    List<Integer> inSync = List.of(1);
    /** When set, submissions fail with it. */
    RuntimeException failure;
    /** When true, submissions never complete. */
    boolean hold;

    void host(RaftGroupId id, ReplicaGroup group) {
        groups.put(id, group);
    }

    @Override
    public int nodeId() {
        return 1;
    }

    @Override
    public boolean hosts(RaftGroupId group) {
        return groups.containsKey(group);
    }

    @Override
    public boolean isLeader(RaftGroupId group) {
        return hosts(group) && leader;
    }

    @Override
    public boolean isBecomingLeader(RaftGroupId group) {
        return hosts(group) && becoming;
    }

    @Override
    public long term(RaftGroupId group) {
        return hosts(group) ? term : -1;
    }

    @Override
    public Optional<Integer> leader(RaftGroupId group) {
        return hosts(group) ? Optional.of(leader ? 1 : 2) : Optional.empty();
    }

    @Override
    public List<Integer> inSyncReplicas(RaftGroupId group) {
        return isLeader(group) ? inSync : List.of();
    }

    @Override
    public synchronized CompletableFuture<ByteBuffer> submit(RaftGroupId group, ByteBuffer entry) {
        submitted.add(group);
        if (failure != null) {
            return CompletableFuture.failedFuture(failure);
        }
        if (hold) {
            return new CompletableFuture<>();
        }
        try {
            return CompletableFuture.completedFuture(groups.get(group).apply(term, entry));
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
