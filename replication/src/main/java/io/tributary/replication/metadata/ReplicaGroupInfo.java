package io.tributary.replication.metadata;

import java.util.List;

/**
 * A Raft group hosting many partitions on a fixed set of brokers. The first replica is the preferred
 * leader.
 *
 * @param id       the Ratis group id (a UUID string)
 * @param replicas broker ids, preferred leader first
 */
public record ReplicaGroupInfo(String id, List<Integer> replicas) {
    public ReplicaGroupInfo {
        replicas = List.copyOf(replicas);
    }
}
