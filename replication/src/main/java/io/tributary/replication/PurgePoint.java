package io.tributary.replication;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.raftlog.RaftLog;

/**
 * How far a member may purge its Raft log after a snapshot so that every other member can still catch up
 * by replaying it: up to the snapshot, but one entry short of every other member's last known commit
 * index, and not at all while a member's commit index is unknown. ({@link SnapshottingStateMachine}
 * purges further when this would keep too much of the log; such a member then copies the leader's state.)
 *
 * <p>Why one short: a Ratis leader sends a follower entries from its next index together with the term
 * of the entry before it. A member that stopped with its log ending at its commit index C returns
 * needing entries from C + 1. A leader that purged exactly up to C no longer knows C's term and can only
 * ask the follower to copy its state. This happens most often to a leader that was killed: its last
 * commit index is the last entry of its term, where the new leader's log segment ends.
 */
final class PurgePoint {
    private PurgePoint() {
    }

    /**
     * @return the index up to which {@code self} may purge its log after a snapshot at {@code snapshotIndex},
     *         or {@link RaftLog#INVALID_LOG_INDEX} when it may purge nothing
     */
    static long of(long snapshotIndex, RaftPeerId self, Collection<RaftPeer> members, Collection<CommitInfoProto> commits) {
        Map<RaftPeerId, Long> known = new HashMap<>();
        commits.forEach(c -> known.put(RaftPeerId.valueOf(c.getServer().getId()), c.getCommitIndex()));
        long upTo = snapshotIndex;
        for (RaftPeer member : members) {
            if (member.getId().equals(self)) {
                continue;
            }
            Long commit = known.get(member.getId());
            if (commit == null) {
                return RaftLog.INVALID_LOG_INDEX;
            }
            upTo = Math.min(upTo, commit - 1);
        }
        return Math.max(upTo, RaftLog.INVALID_LOG_INDEX);
    }
}
