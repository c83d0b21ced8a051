package io.tributary.replication;

import java.nio.file.Path;
import java.util.Map;

/**
 * What the replication layer needs from the broker's configuration.
 *
 * @param nodeId         this broker's {@code node.id}
 * @param raftHost       host of {@code raft.address}
 * @param raftPort       port of {@code raft.address} (0 picks a free one)
 * @param dataDir        the first of {@code log.dirs}: partition logs, and Ratis under {@code raft/}
 * @param metadataPeers  node id to Raft address of the metadata group's members ({@code raft.peers})
 * @param groupsPerBroker how many replica groups each broker should host ({@code raft.groups.per.broker})
 * @param replicaLagTimeMaxMs {@code replica.lag.time.max.ms}: a follower silent for longer leaves the
 *                       in-sync replicas
 * @param joinAddress    the Raft address of a running member to join through ({@code raft.join}), or
 *                       null to start with {@code raft.peers}
 * @param ratisProperties settings passed to Ratis as they are (every {@code raft.server.*} and
 *                       {@code raft.grpc.*} property of the broker)
 */
public record ReplicationConfig(int nodeId, String raftHost, int raftPort, Path dataDir,
                                Map<Integer, String> metadataPeers, int groupsPerBroker, long replicaLagTimeMaxMs,
                                String joinAddress, Map<String, String> ratisProperties) {
    public ReplicationConfig {
        metadataPeers = Map.copyOf(metadataPeers);
        ratisProperties = Map.copyOf(ratisProperties);
    }

    public Path raftDir() {
        return dataDir.resolve("raft");
    }
}
