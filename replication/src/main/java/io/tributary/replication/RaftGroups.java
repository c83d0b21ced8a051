package io.tributary.replication;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * What the partition data plane needs from Raft: who leads each replica group, in which term and with
 * which replicas in sync, and a way to append an entry to a group this broker leads. {@link RaftNode}
 * is the implementation; tests apply entries to a replica group directly.
 */
public interface RaftGroups {
    int nodeId();

    /** Whether this broker is a member of {@code group}. */
    boolean hosts(RaftGroupId group);

    /** Whether this broker leads {@code group}, in touch with a majority, and can take writes. */
    boolean isLeader(RaftGroupId group);

    /**
     * Whether this broker was elected leader of {@code group} and cannot take writes yet: it still applies
     * the entries before its term (Ratis's leader readiness), and leads a moment from now.
     */
    boolean isBecomingLeader(RaftGroupId group);

    /** The group's current Raft term on this broker (a partition's leader epoch), -1 if it does not host it. */
    long term(RaftGroupId group);

    /** The broker leading {@code group} as this broker knows it. */
    Optional<Integer> leader(RaftGroupId group);

    /** The members in sync with the leader; only the leader knows, others answer with the leader alone. */
    List<Integer> inSyncReplicas(RaftGroupId group);

    /**
     * Appends an entry to a group this broker leads. Completes with the state machine's reply once the
     * entry is committed and applied, or fails with a Kafka exception (NOT_LEADER_OR_FOLLOWER when
     * another broker leads or none is elected, MESSAGE_TOO_LARGE for an entry over the limit).
     */
    CompletableFuture<ByteBuffer> submit(RaftGroupId group, ByteBuffer entry);
}
