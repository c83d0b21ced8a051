package io.tributary.coordinator.group;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.tributary.coordinator.group.GroupTestContext.assignment;
import static io.tributary.coordinator.group.GroupTestContext.joinRequest;
import static io.tributary.coordinator.group.GroupTestContext.protocols;
import static io.tributary.coordinator.group.GroupTestContext.subscription;
import static org.assertj.core.api.Assertions.assertThat;

class StaticMembershipTest {
    private final GroupTestContext ctx = new GroupTestContext();
    private final byte[] forI1 = assignment(new TopicPartition("t", 0));
    private final byte[] forI2 = assignment(new TopicPartition("t", 1));

    private static JoinGroupRequestData staticJoin(String memberId, String instanceId) {
        return joinRequest("g", memberId).setGroupInstanceId(instanceId);
    }

    /** Static members i1 (the leader) and i2, Stable at generation 1; returns their join responses. */
    private JoinGroupResponseData[] stableStaticGroup() {
        // Static members skip MEMBER_ID_REQUIRED: their instance id already identifies them.
        CompletableFuture<JoinGroupResponseData> i1 = ctx.join(staticJoin("", "i1"));
        CompletableFuture<JoinGroupResponseData> i2 = ctx.join(staticJoin("", "i2"));
        ctx.timer.advance(6000);
        JoinGroupResponseData r1 = i1.join();
        JoinGroupResponseData r2 = i2.join();
        assertThat(r1.memberId()).startsWith("i1-");
        assertThat(r1.leader()).isEqualTo(r1.memberId());
        assertThat(r1.members()).extracting(JoinGroupResponseMember::groupInstanceId).containsExactly("i1", "i2");
        CompletableFuture<SyncGroupResponseData> s2 = ctx.sync(r2, "g");
        ctx.sync("g", 1, r1.memberId(), Map.of(r1.memberId(), forI1, r2.memberId(), forI2)).join();
        assertThat(s2.join().assignment()).isEqualTo(forI2);
        return new JoinGroupResponseData[]{r1, r2};
    }

    @Test
    void restartedStaticMemberGetsItsAssignmentBackWithoutRebalance() {
        JoinGroupResponseData[] members = stableStaticGroup();
        String oldId = members[1].memberId();

        JoinGroupResponseData back = ctx.join(staticJoin("", "i2")).join();
        assertThat(Errors.forCode(back.errorCode())).isEqualTo(Errors.NONE);
        assertThat(back.memberId()).startsWith("i2-").isNotEqualTo(oldId);
        assertThat(back.generationId()).isEqualTo(1);
        assertThat(back.leader()).isEqualTo(members[0].memberId());
        assertThat(back.members()).isEmpty();
        assertThat(back.skipAssignment()).isFalse();
        assertThat(ctx.state("g")).isEqualTo("Stable");

        SyncGroupResponseData sync = ctx.sync(back, "g").join();
        assertThat(sync.assignment()).isEqualTo(forI2);
        assertThat(ctx.heartbeat("g", 1, back.memberId(), "i2")).isEqualTo(Errors.NONE);
        assertThat(ctx.heartbeat("g", 1, members[0].memberId(), "i1")).isEqualTo(Errors.NONE);
        // The replaced member id is persisted, so a coordinator failover keeps it.
        GroupRecords.GroupValue stored = GroupRecords.decodeGroupValue(
                ctx.sink.log.get(ctx.sink.log.size() - 1).value());
        assertThat(stored.members()).extracting(GroupRecords.MemberValue::memberId)
                .containsExactly(members[0].memberId(), back.memberId());
        assertThat(stored.members().get(1).assignment()).isEqualTo(forI2);
    }

    @Test
    void theOldInstanceIsFenced() {
        JoinGroupResponseData[] members = stableStaticGroup();
        String oldId = members[1].memberId();
        JoinGroupResponseData back = ctx.join(staticJoin("", "i2")).join();

        assertThat(ctx.heartbeat("g", 1, oldId, "i2")).isEqualTo(Errors.FENCED_INSTANCE_ID);
        assertThat(ctx.heartbeat("g", 1, oldId)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(ctx.heartbeat("g", 1, back.memberId(), "i9")).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(Errors.forCode(ctx.join(staticJoin(oldId, "i2")).join().errorCode()))
                .isEqualTo(Errors.FENCED_INSTANCE_ID);
        OffsetCommitRequestData commit = new OffsetCommitRequestData()
                .setGroupId("g").setGenerationIdOrMemberEpoch(1).setMemberId(oldId).setGroupInstanceId("i2")
                .setTopics(List.of(new OffsetCommitRequestTopic().setName("t").setPartitions(List.of(
                        new OffsetCommitRequestPartition().setPartitionIndex(1).setCommittedOffset(5)))));
        assertThat(GroupTestContext.commitError(ctx.run(ctx.shard.commitOffsets(commit, (short) 9)).join()))
                .isEqualTo(Errors.FENCED_INSTANCE_ID);
        assertThat(ctx.state("g")).isEqualTo("Stable");
    }

    @Test
    void aRestartedLeaderMaySkipTheAssignmentFromVersion9() {
        JoinGroupResponseData[] members = stableStaticGroup();
        JoinGroupResponseData back = ctx.join(staticJoin("", "i1"), (short) 9).join();
        assertThat(back.leader()).isEqualTo(back.memberId());
        assertThat(back.skipAssignment()).isTrue();
        assertThat(back.members()).extracting(JoinGroupResponseMember::memberId)
                .containsExactlyInAnyOrder(back.memberId(), members[1].memberId());
        assertThat(ctx.state("g")).isEqualTo("Stable");
        assertThat(ctx.sync(back, "g").join().assignment()).isEqualTo(forI1);
    }

    @Test
    void beforeVersion9ARestartedLeaderIsToldTheOldLeaderId() {
        JoinGroupResponseData[] members = stableStaticGroup();
        JoinGroupResponseData back = ctx.join(staticJoin("", "i1"), (short) 8).join();
        assertThat(back.leader()).isEqualTo(members[0].memberId()).isNotEqualTo(back.memberId());
        assertThat(back.skipAssignment()).isFalse();
        assertThat(back.members()).isEmpty();
        assertThat(ctx.state("g")).isEqualTo("Stable");
    }

    @Test
    void aRestartThatChangesTheProtocolChoiceRebalances() {
        stableStaticGroup();
        CompletableFuture<JoinGroupResponseData> back = ctx.join(staticJoin("", "i2")
                .setProtocols(protocols("roundrobin", subscription("t"))));
        // i1 supports only "range": a restart offering only "roundrobin" cannot join at all.
        assertThat(Errors.forCode(back.join().errorCode())).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);

        byte[] meta = subscription("t");
        GroupTestContext other = new GroupTestContext();
        CompletableFuture<JoinGroupResponseData> a = other.join(staticJoin("", "i1")
                .setProtocols(protocols("range", meta, "roundrobin", meta)));
        CompletableFuture<JoinGroupResponseData> b = other.join(staticJoin("", "i2")
                .setProtocols(protocols("range", meta, "roundrobin", meta)));
        other.timer.advance(6000);
        other.sync(b.join(), "g");
        other.sync(a.join(), "g").join();
        assertThat(other.state("g")).isEqualTo("Stable");
        CompletableFuture<JoinGroupResponseData> changed = other.join(staticJoin("", "i2")
                .setProtocols(protocols("roundrobin", meta)));
        assertThat(changed).isNotDone();
        assertThat(other.state("g")).isEqualTo("PreparingRebalance");
    }

    @Test
    void aFailedWriteKeepsTheOldMemberId() {
        JoinGroupResponseData[] members = stableStaticGroup();
        ctx.sink.failNext(new NotLeaderOrFollowerException("moved"));
        JoinGroupResponseData back = ctx.join(staticJoin("", "i2")).join();
        assertThat(Errors.forCode(back.errorCode())).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(back.memberId()).isEmpty();
        assertThat(ctx.heartbeat("g", 1, members[1].memberId(), "i2")).isEqualTo(Errors.NONE);
        assertThat(ctx.sync(members[1], "g").join().assignment()).isEqualTo(forI2);
    }

    @Test
    void aRestartWhileAssigningStartsOver() {
        CompletableFuture<JoinGroupResponseData> i1 = ctx.join(staticJoin("", "i1"));
        CompletableFuture<JoinGroupResponseData> i2 = ctx.join(staticJoin("", "i2"));
        ctx.timer.advance(6000);
        assertThat(ctx.state("g")).isEqualTo("CompletingRebalance");
        // The leader may be assigning to i2's old member id: a new generation is needed.
        CompletableFuture<JoinGroupResponseData> restarted = ctx.join(staticJoin("", "i2"));
        assertThat(Errors.forCode(i2.join().errorCode())).isEqualTo(Errors.NONE);
        assertThat(ctx.state("g")).isEqualTo("PreparingRebalance");
        CompletableFuture<JoinGroupResponseData> leaderBack = ctx.join(staticJoin(i1.join().memberId(), "i1"));
        assertThat(leaderBack.join().generationId()).isEqualTo(2);
        assertThat(restarted.join().generationId()).isEqualTo(2);
        assertThat(restarted.join().memberId()).isNotEqualTo(i2.join().memberId());
    }

    @Test
    void staticMembersKeepTheirPlaceWhileAbsentDuringARebalance() {
        CompletableFuture<JoinGroupResponseData> i1 = ctx.join(staticJoin("", "i1"));
        CompletableFuture<JoinGroupResponseData> i2 = ctx.join(staticJoin("", "i2").setSessionTimeoutMs(120_000));
        ctx.timer.advance(6000);
        ctx.sync(i2.join(), "g");
        ctx.sync(i1.join(), "g").join();
        // A dynamic member joins; i1 rejoins; i2 is down but its long session has not expired.
        CompletableFuture<JoinGroupResponseData> dynamic = ctx.joinNew("g");
        CompletableFuture<JoinGroupResponseData> i1Again = ctx.join(staticJoin(i1.join().memberId(), "i1"));
        ctx.timer.advance(GroupTestContext.REBALANCE);
        assertThat(i1Again.join().generationId()).isEqualTo(2);
        assertThat(i1Again.join().members()).extracting(JoinGroupResponseMember::memberId)
                .containsExactlyInAnyOrder(i1.join().memberId(), i2.join().memberId(), dynamic.join().memberId());
    }

    @Test
    void adminToolsRemoveStaticMembersByInstanceId() {
        JoinGroupResponseData[] members = stableStaticGroup();
        LeaveGroupResponseData r = ctx.run(ctx.shard.leaveGroup(new LeaveGroupRequestData().setGroupId("g").setMembers(List.of(
                new LeaveGroupRequestData.MemberIdentity().setMemberId("").setGroupInstanceId("i2"),
                new LeaveGroupRequestData.MemberIdentity().setMemberId("").setGroupInstanceId("nobody"),
                new LeaveGroupRequestData.MemberIdentity().setMemberId("wrong").setGroupInstanceId("i1"))),
                (short) 5)).join();
        assertThat(r.errorCode()).isZero();
        assertThat(r.members()).extracting(LeaveGroupResponseData.MemberResponse::errorCode).containsExactly(
                Errors.NONE.code(), Errors.UNKNOWN_MEMBER_ID.code(), Errors.FENCED_INSTANCE_ID.code());
        assertThat(ctx.state("g")).isEqualTo("PreparingRebalance");
        assertThat(ctx.describe("g").members()).extracting(m -> m.groupInstanceId()).containsExactly("i1");
        assertThat(ctx.heartbeat("g", 1, members[1].memberId(), "i2")).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }
}
