package io.tributary.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.junit.jupiter.api.Test;

class PurgePointTest {
    private static final RaftPeerId SELF = RaftPeerId.valueOf("1");
    private static final List<RaftPeer> THREE = List.of(peer("1"), peer("2"), peer("3"));

    @Test
    void aSingleMemberPurgesUpToItsSnapshot() {
        assertThat(PurgePoint.of(5_000, SELF, List.of(peer("1")), List.of(commit("1", 4_000)))).isEqualTo(5_000);
    }

    @Test
    void keepsTheLastCommittedEntryOfTheMemberFurthestBehind() {
        assertThat(PurgePoint.of(5_000, SELF, THREE, List.of(commit("1", 5_100), commit("2", 5_050), commit("3", 4_200))))
                .isEqualTo(4_199);
    }

    @Test
    void purgesNoFurtherThanTheSnapshotWhenEveryoneIsAhead() {
        assertThat(PurgePoint.of(5_000, SELF, THREE, List.of(commit("2", 6_000), commit("3", 7_000)))).isEqualTo(5_000);
    }

    @Test
    void ownCommitIndexDoesNotLimitThePurge() {
        assertThat(PurgePoint.of(5_000, SELF, THREE, List.of(commit("1", 10), commit("2", 6_000), commit("3", 7_000))))
                .isEqualTo(5_000);
    }

    @Test
    void purgesNothingWhileAMembersCommitIndexIsUnknown() {
        assertThat(PurgePoint.of(5_000, SELF, THREE, List.of(commit("2", 6_000)))).isEqualTo(-1);
    }

    @Test
    void purgesNothingForAMemberThatHasNothing() {
        assertThat(PurgePoint.of(5_000, SELF, THREE, List.of(commit("2", 6_000), commit("3", -1)))).isEqualTo(-1);
    }

    private static RaftPeer peer(String id) {
        return RaftPeer.newBuilder().setId(id).setAddress("127.0.0.1:1").build();
    }

    private static CommitInfoProto commit(String id, long index) {
        return CommitInfoProto.newBuilder().setServer(peer(id).getRaftPeerProto()).setCommitIndex(index).build();
    }
}
