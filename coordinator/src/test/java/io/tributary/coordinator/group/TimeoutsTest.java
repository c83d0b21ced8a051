package io.tributary.coordinator.group;

import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.tributary.coordinator.group.GroupTestContext.REBALANCE;
import static io.tributary.coordinator.group.GroupTestContext.SESSION;
import static io.tributary.coordinator.group.GroupTestContext.joinRequest;
import static org.assertj.core.api.Assertions.assertThat;

class TimeoutsTest {
    private final GroupTestContext ctx = new GroupTestContext();

    @Test
    void heartbeatsKeepAMemberIndefinitely() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        for (int i = 0; i < 10; i++) {
            ctx.timer.advance(SESSION - 1);
            assertThat(ctx.heartbeat("g", 1, two[0].memberId())).isEqualTo(Errors.NONE);
            assertThat(ctx.heartbeat("g", 1, two[1].memberId())).isEqualTo(Errors.NONE);
        }
        assertThat(ctx.state("g")).isEqualTo("Stable");
    }

    @Test
    void silentMemberIsRemovedAfterItsSessionAndTheGroupRebalances() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        JoinGroupResponseData leader = two[0];
        ctx.timer.advance(SESSION - 1000);
        assertThat(ctx.heartbeat("g", 1, leader.memberId())).isEqualTo(Errors.NONE);
        ctx.timer.advance(999);
        assertThat(ctx.state("g")).isEqualTo("Stable");
        ctx.timer.advance(1);

        assertThat(ctx.state("g")).isEqualTo("PreparingRebalance");
        assertThat(ctx.describe("g").members()).hasSize(1);
        assertThat(ctx.heartbeat("g", 1, leader.memberId())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(ctx.heartbeat("g", 1, two[1].memberId())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);

        JoinGroupResponseData rejoined = ctx.join(joinRequest("g", leader.memberId())).join();
        assertThat(rejoined.generationId()).isEqualTo(2);
        assertThat(rejoined.members()).hasSize(1);
    }

    @Test
    void lastMemberTimingOutLeavesAnEmptyGroupOnRecord() {
        CompletableFuture<JoinGroupResponseData> a = ctx.joinNew("g");
        ctx.timer.advance(3000);
        ctx.sync(a.join(), "g").join();
        ctx.timer.advance(SESSION);
        assertThat(ctx.state("g")).isEqualTo("Empty");
        GroupRecords.GroupValue last = GroupRecords.decodeGroupValue(
                ctx.sink.log.get(ctx.sink.log.size() - 1).value());
        assertThat(last.members()).isEmpty();
        assertThat(last.generation()).isEqualTo(2);
        assertThat(last.protocolType()).isEqualTo("consumer");
    }

    @Test
    void memberThatGotItsGenerationButNeverSyncsIsRemoved() {
        CompletableFuture<JoinGroupResponseData> a = ctx.joinNew("g");
        CompletableFuture<JoinGroupResponseData> b = ctx.joinNew("g");
        ctx.timer.advance(6000);
        JoinGroupResponseData leader = a.join().leader().equals(a.join().memberId()) ? a.join() : b.join();
        JoinGroupResponseData follower = leader == a.join() ? b.join() : a.join();
        ctx.sync(leader, "g").join();
        // The follower heartbeats, so its session lives, but it never asks for its assignment.
        for (int i = 0; i < REBALANCE / 5000 - 1; i++) {
            ctx.timer.advance(5000);
            assertThat(ctx.heartbeat("g", 1, follower.memberId())).isEqualTo(Errors.NONE);
            ctx.heartbeat("g", 1, leader.memberId());
        }
        assertThat(ctx.state("g")).isEqualTo("Stable");
        ctx.timer.advance(5000);
        assertThat(ctx.state("g")).isEqualTo("PreparingRebalance");
        assertThat(ctx.heartbeat("g", 1, follower.memberId())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void membersWaitingOnTheLeadersAssignmentAreNotExpired() {
        CompletableFuture<JoinGroupResponseData> a = ctx.joinNew("g");
        CompletableFuture<JoinGroupResponseData> b = ctx.joinNew("g");
        ctx.timer.advance(6000);
        JoinGroupResponseData leader = a.join().leader().equals(a.join().memberId()) ? a.join() : b.join();
        JoinGroupResponseData follower = leader == a.join() ? b.join() : a.join();
        CompletableFuture<SyncGroupResponseData> followerSync = ctx.sync(follower, "g");
        ctx.timer.advance(SESSION + 1000);
        // The silent leader is gone; the waiting follower was kept and is told to rejoin.
        assertThat(Errors.forCode(followerSync.join().errorCode())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(ctx.describe("g").members()).hasSize(1);
        assertThat(ctx.describe("g").members().get(0).memberId()).isEqualTo(follower.memberId());
        assertThat(ctx.sync("g", 1, leader.memberId(), Map.of()).join().errorCode())
                .isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());
    }

    @Test
    void newMemberStuckInALongJoinTimesOut() {
        // A member whose rebalance timeout is longer than the 5-minute new-member join timeout.
        CompletableFuture<JoinGroupResponseData> a = ctx.joinNew(joinRequest("g", "").setRebalanceTimeoutMs(600_000));
        ctx.timer.advance(3000);
        ctx.sync(a.join(), "g").join();
        CompletableFuture<JoinGroupResponseData> newcomer = ctx.joinNew("g");
        int steps = MembershipHandler.NEW_MEMBER_JOIN_TIMEOUT_MS / 5000;
        for (int i = 0; i < steps - 1; i++) {
            ctx.timer.advance(5000);
            assertThat(ctx.heartbeat("g", 1, a.join().memberId())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        }
        assertThat(newcomer).isNotDone();
        ctx.timer.advance(5000);
        assertThat(Errors.forCode(newcomer.join().errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(newcomer.join().memberId()).isEmpty();
    }

    @Test
    void commitsCountAsHeartbeats() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        for (int i = 0; i < 5; i++) {
            ctx.timer.advance(SESSION - 1);
            ctx.heartbeat("g", 1, two[0].memberId());
            assertThat(GroupTestContext.commitError(ctx.commit("g", 1, two[1].memberId(), "t", 1, i)))
                    .isEqualTo(Errors.NONE);
        }
        assertThat(ctx.state("g")).isEqualTo("Stable");
    }

    @Test
    void rebalanceTimeoutUsesTheSessionTimeoutAtVersion0() {
        CompletableFuture<JoinGroupResponseData> a = ctx.join(joinRequest("g", "").setRebalanceTimeoutMs(-1),
                (short) 0);
        ctx.timer.advance(3000);
        assertThat(a.join().errorCode()).isEqualTo(Errors.NONE.code());
        GroupRecords.GroupValue stored;
        ctx.sync(a.join(), "g").join();
        stored = GroupRecords.decodeGroupValue(ctx.sink.log.get(ctx.sink.log.size() - 1).value());
        assertThat(stored.members().get(0).rebalanceTimeoutMs()).isEqualTo(SESSION);
    }
}
