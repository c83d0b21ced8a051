package io.tributary.coordinator.group;

import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.tributary.coordinator.group.GroupTestContext.joinRequest;
import static org.assertj.core.api.Assertions.assertThat;

class GroupErrorsTest {
    private final GroupTestContext ctx = new GroupTestContext();

    private Errors sync(SyncGroupRequestData request, short version) {
        return Errors.forCode(ctx.run(ctx.shard.syncGroup(request, version)).thenCompose(r -> r).join().errorCode());
    }

    private static SyncGroupRequestData syncRequest(String group, int generation, String memberId) {
        return new SyncGroupRequestData().setGroupId(group).setGenerationId(generation).setMemberId(memberId);
    }

    @Test
    void syncFromUnknownMembersAndGroups() {
        assertThat(sync(syncRequest("nope", 1, "m"), (short) 5)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        ctx.stableGroupOfTwo("g");
        assertThat(sync(syncRequest("g", 1, "stranger"), (short) 5)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(sync(syncRequest("g", 1, ""), (short) 3)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(sync(syncRequest("", 1, "m"), (short) 5)).isEqualTo(Errors.INVALID_GROUP_ID);
        assertThat(ctx.state("g")).isEqualTo("Stable");
    }

    @Test
    void syncToAnEmptyGroupIsFromAnUnknownMember() {
        JoinGroupResponseData first = ctx.join(joinRequest("g", "")).join();
        assertThat(sync(syncRequest("g", 0, first.memberId()), (short) 5)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void syncWithAnOldGenerationOrWrongProtocol() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        String follower = two[1].memberId();
        assertThat(sync(syncRequest("g", 0, follower), (short) 5)).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(sync(syncRequest("g", 1, follower).setProtocolType("connect"), (short) 5))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(sync(syncRequest("g", 1, follower).setProtocolName("roundrobin"), (short) 5))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        // Before v5 the fields are absent (null) and not checked.
        assertThat(sync(syncRequest("g", 1, follower), (short) 4)).isEqualTo(Errors.NONE);
    }

    @Test
    void syncDuringARebalanceMustRejoin() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        ctx.joinNew("g");
        assertThat(sync(syncRequest("g", 1, two[1].memberId()), (short) 5)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    }

    @Test
    void aFollowerWaitingOnSyncIsToldWhenTheGroupRebalances() {
        CompletableFuture<JoinGroupResponseData> a = ctx.joinNew("g");
        CompletableFuture<JoinGroupResponseData> b = ctx.joinNew("g");
        ctx.timer.advance(6000);
        JoinGroupResponseData follower = a.join().leader().equals(a.join().memberId()) ? b.join() : a.join();
        CompletableFuture<SyncGroupResponseData> waiting = ctx.sync(follower, "g");
        ctx.joinNew("g");
        assertThat(Errors.forCode(waiting.join().errorCode())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(waiting.join().assignment()).isEmpty();
    }

    @Test
    void heartbeatErrors() {
        assertThat(ctx.heartbeat("nope", 1, "m")).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(ctx.heartbeat("", 1, "m")).isEqualTo(Errors.INVALID_GROUP_ID);
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        assertThat(ctx.heartbeat("g", 1, "stranger")).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(ctx.heartbeat("g", 7, two[0].memberId())).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(ctx.heartbeat("g", 1, two[0].memberId(), "not-static")).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(ctx.heartbeat("g", 1, two[0].memberId())).isEqualTo(Errors.NONE);
    }

    @Test
    void heartbeatWhileAssigningKeepsTheSession() {
        CompletableFuture<JoinGroupResponseData> a = ctx.joinNew("g");
        ctx.timer.advance(3000);
        assertThat(ctx.state("g")).isEqualTo("CompletingRebalance");
        assertThat(ctx.heartbeat("g", 1, a.join().memberId())).isEqualTo(Errors.NONE);
    }

    @Test
    void leaveRemovesMembersAndRebalances() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        LeaveGroupResponseData r = ctx.leave("g", two[1].memberId());
        assertThat(r.errorCode()).isZero();
        assertThat(r.members()).extracting(MemberResponse::errorCode).containsExactly(Errors.NONE.code());
        assertThat(ctx.state("g")).isEqualTo("PreparingRebalance");
        JoinGroupResponseData rejoin = ctx.join(joinRequest("g", two[0].memberId())).join();
        assertThat(rejoin.generationId()).isEqualTo(2);

        LeaveGroupResponseData last = ctx.leave("g", two[0].memberId());
        assertThat(last.members().get(0).errorCode()).isZero();
        // The last member leaving ends the rebalance in an empty generation.
        assertThat(ctx.state("g")).isEqualTo("Empty");
    }

    @Test
    void batchedLeaveReportsEachMember() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        LeaveGroupResponseData r = ctx.run(ctx.shard.leaveGroup(new LeaveGroupRequestData().setGroupId("g").setMembers(List.of(
                new MemberIdentity().setMemberId(two[0].memberId()),
                new MemberIdentity().setMemberId("stranger"),
                new MemberIdentity().setMemberId(two[1].memberId()).setReason("shutting down"))), (short) 5)).join();
        assertThat(r.members()).extracting(MemberResponse::memberId)
                .containsExactly(two[0].memberId(), "stranger", two[1].memberId());
        assertThat(r.members()).extracting(MemberResponse::errorCode)
                .containsExactly(Errors.NONE.code(), Errors.UNKNOWN_MEMBER_ID.code(), Errors.NONE.code());
        assertThat(ctx.state("g")).isEqualTo("Empty");
    }

    @Test
    void leaveBeforeVersion3NamesOneMemberAtTopLevel() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        LeaveGroupResponseData unknown = ctx.run(ctx.shard.leaveGroup(
                new LeaveGroupRequestData().setGroupId("g").setMemberId("stranger"), (short) 2)).join();
        assertThat(unknown.errorCode()).isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());
        assertThat(unknown.members()).isEmpty();
        LeaveGroupResponseData ok = ctx.run(ctx.shard.leaveGroup(
                new LeaveGroupRequestData().setGroupId("g").setMemberId(two[1].memberId()), (short) 0)).join();
        assertThat(ok.errorCode()).isZero();
        assertThat(ctx.describe("g").members()).hasSize(1);
    }

    @Test
    void leavingAnUnknownGroup() {
        LeaveGroupResponseData r = ctx.leave("nope", "m");
        assertThat(r.members()).extracting(MemberResponse::errorCode).containsExactly(Errors.UNKNOWN_MEMBER_ID.code());
        assertThat(ctx.leave("", "m").errorCode()).isEqualTo(Errors.INVALID_GROUP_ID.code());
    }

    @Test
    void aMemberWaitingToJoinThatLeavesIsAnswered() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        CompletableFuture<JoinGroupResponseData> waiting = ctx.join(joinRequest("g", two[0].memberId()));
        ctx.leave("g", two[0].memberId());
        assertThat(Errors.forCode(waiting.join().errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void pendingMemberMayLeave() {
        JoinGroupResponseData pending = ctx.join(joinRequest("g", "")).join();
        assertThat(ctx.leave("g", pending.memberId()).members().get(0).errorCode()).isZero();
        assertThat(ctx.describe("g").errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
    }

    @Test
    void errorsLeaveTheGroupUntouched() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        ctx.sync("g", 9, two[0].memberId(), Map.of());
        ctx.heartbeat("g", 9, "x");
        ctx.leave("g", "x");
        ctx.join(joinRequest("g", "x"));
        ctx.join(joinRequest("g", "").setProtocols(GroupTestContext.protocols()));
        assertThat(ctx.state("g")).isEqualTo("Stable");
        assertThat(ctx.describe("g").members()).hasSize(2);
        assertThat(ctx.heartbeat("g", 1, two[0].memberId())).isEqualTo(Errors.NONE);
        assertThat(ctx.heartbeat("g", 1, two[1].memberId())).isEqualTo(Errors.NONE);
    }
}
