package io.tributary.coordinator.group;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.tributary.coordinator.group.GroupTestContext.assignment;
import static io.tributary.coordinator.group.GroupTestContext.joinRequest;
import static io.tributary.coordinator.group.GroupTestContext.protocols;
import static io.tributary.coordinator.group.GroupTestContext.subscription;
import static org.assertj.core.api.Assertions.assertThat;

class JoinSyncTest {
    private final GroupTestContext ctx = new GroupTestContext();

    private static Errors error(JoinGroupResponseData r) {
        return Errors.forCode(r.errorCode());
    }

    private static Errors error(SyncGroupResponseData r) {
        return Errors.forCode(r.errorCode());
    }

    @Test
    void twoMembersJoinAndSync() {
        CompletableFuture<JoinGroupResponseData> a = ctx.joinNew("g");
        CompletableFuture<JoinGroupResponseData> b = ctx.joinNew("g");
        assertThat(ctx.state("g")).isEqualTo("PreparingRebalance");

        // The second member arrived during the initial delay, which extends it once.
        ctx.timer.advance(3000);
        assertThat(a).isNotDone();
        ctx.timer.advance(3000);
        JoinGroupResponseData ra = a.join();
        JoinGroupResponseData rb = b.join();
        assertThat(error(ra)).isEqualTo(Errors.NONE);
        assertThat(error(rb)).isEqualTo(Errors.NONE);
        assertThat(ra.generationId()).isEqualTo(1).isEqualTo(rb.generationId());
        assertThat(ra.leader()).isEqualTo(ra.memberId()).isEqualTo(rb.leader());
        assertThat(ra.protocolName()).isEqualTo("range");
        assertThat(ra.protocolType()).isEqualTo("consumer");
        assertThat(ra.members()).extracting(JoinGroupResponseMember::memberId)
                .containsExactly(ra.memberId(), rb.memberId());
        assertThat(ra.members().get(1).metadata()).isEqualTo(subscription("t"));
        assertThat(rb.members()).isEmpty();
        assertThat(ctx.state("g")).isEqualTo("CompletingRebalance");

        CompletableFuture<SyncGroupResponseData> followerSync = ctx.sync(rb, "g");
        assertThat(followerSync).isNotDone();

        // Nobody gets an assignment before the leader's is written.
        ctx.sink.hold();
        byte[] forA = assignment(new TopicPartition("t", 0));
        byte[] forB = assignment(new TopicPartition("t", 1));
        CompletableFuture<SyncGroupResponseData> leaderSync =
                ctx.sync("g", 1, ra.memberId(), Map.of(ra.memberId(), forA, rb.memberId(), forB));
        assertThat(leaderSync).isNotDone();
        assertThat(followerSync).isNotDone();
        assertThat(ctx.sink.heldCount()).isEqualTo(1);
        assertThat(ctx.state("g")).isEqualTo("CompletingRebalance");

        ctx.sink.commitHeld();
        assertThat(error(leaderSync.join())).isEqualTo(Errors.NONE);
        assertThat(leaderSync.join().assignment()).isEqualTo(forA);
        assertThat(followerSync.join().assignment()).isEqualTo(forB);
        assertThat(followerSync.join().protocolName()).isEqualTo("range");
        assertThat(ctx.state("g")).isEqualTo("Stable");
        assertThat(ctx.heartbeat("g", 1, ra.memberId())).isEqualTo(Errors.NONE);
        assertThat(ctx.heartbeat("g", 1, rb.memberId())).isEqualTo(Errors.NONE);

        // A late SyncGroup in Stable gets the stored assignment.
        assertThat(ctx.sync(rb, "g").join().assignment()).isEqualTo(forB);
    }

    @Test
    void singleMemberWaitsExactlyTheInitialDelay() {
        CompletableFuture<JoinGroupResponseData> a = ctx.joinNew("g");
        ctx.timer.advance(2999);
        assertThat(a).isNotDone();
        ctx.timer.advance(1);
        assertThat(error(a.join())).isEqualTo(Errors.NONE);
    }

    @Test
    void initialDelayIsBoundedByTheRebalanceTimeout() {
        JoinGroupRequestData req = joinRequest("g", "").setRebalanceTimeoutMs(5000);
        CompletableFuture<JoinGroupResponseData> a = ctx.joinNew(req);
        ctx.timer.advance(1000);
        ctx.joinNew(req.duplicate());
        ctx.timer.advance(2000);
        ctx.joinNew(req.duplicate());
        ctx.timer.advance(1999);
        assertThat(a).isNotDone();
        ctx.timer.advance(1);
        assertThat(a.join().generationId()).isEqualTo(1);
    }

    @Test
    void thirdMemberJoiningMakesEveryoneRebalance() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        JoinGroupResponseData leader = two[0];
        JoinGroupResponseData follower = two[1];

        CompletableFuture<JoinGroupResponseData> third = ctx.joinNew("g");
        assertThat(ctx.state("g")).isEqualTo("PreparingRebalance");
        assertThat(ctx.heartbeat("g", 1, leader.memberId())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        assertThat(ctx.heartbeat("g", 1, follower.memberId())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);

        CompletableFuture<JoinGroupResponseData> leaderRejoin = ctx.join(joinRequest("g", leader.memberId()));
        assertThat(leaderRejoin).isNotDone();
        // The last one back completes the join phase at once.
        CompletableFuture<JoinGroupResponseData> followerRejoin = ctx.join(joinRequest("g", follower.memberId()));
        JoinGroupResponseData r1 = leaderRejoin.join();
        JoinGroupResponseData r2 = followerRejoin.join();
        JoinGroupResponseData r3 = third.join();
        assertThat(r1.generationId()).isEqualTo(2);
        assertThat(r1.leader()).isEqualTo(leader.memberId());
        assertThat(r1.members()).hasSize(3);
        assertThat(r2.members()).isEmpty();
        assertThat(r3.generationId()).isEqualTo(2);
        assertThat(r3.leader()).isEqualTo(leader.memberId());

        CompletableFuture<SyncGroupResponseData> s2 = ctx.sync(r2, "g");
        CompletableFuture<SyncGroupResponseData> s3 = ctx.sync(r3, "g");
        byte[] forThird = assignment(new TopicPartition("t", 2));
        ctx.sync("g", 2, r1.memberId(), Map.of(r3.memberId(), forThird)).join();
        assertThat(s3.join().assignment()).isEqualTo(forThird);
        // Members the leader left out get an empty assignment.
        assertThat(s2.join().assignment()).isEmpty();
        assertThat(ctx.state("g")).isEqualTo("Stable");
        assertThat(ctx.heartbeat("g", 1, leader.memberId())).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(ctx.heartbeat("g", 2, leader.memberId())).isEqualTo(Errors.NONE);
    }

    @Test
    void membersThatDoNotRejoinInTimeAreDropped() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        CompletableFuture<JoinGroupResponseData> third = ctx.joinNew("g");
        CompletableFuture<JoinGroupResponseData> leaderRejoin = ctx.join(joinRequest("g", two[0].memberId()));
        // The follower keeps heartbeating but never rejoins.
        for (int i = 0; i < 5; i++) {
            ctx.timer.advance(5000);
            assertThat(ctx.heartbeat("g", 1, two[1].memberId())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        }
        assertThat(third).isNotDone();
        ctx.timer.advance(5000);
        assertThat(third.join().generationId()).isEqualTo(2);
        assertThat(leaderRejoin.join().members()).extracting(JoinGroupResponseMember::memberId)
                .containsExactlyInAnyOrder(two[0].memberId(), third.join().memberId());
        assertThat(ctx.heartbeat("g", 2, two[1].memberId())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void leaderThatDoesNotRejoinIsReplaced() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        // The follower changes its subscription, which starts a rebalance; the leader stays silent.
        CompletableFuture<JoinGroupResponseData> followerRejoin = ctx.join(joinRequest("g", two[1].memberId())
                .setProtocols(protocols("range", subscription("t", "u"))));
        ctx.timer.advance(GroupTestContext.SESSION);
        JoinGroupResponseData r = followerRejoin.join();
        assertThat(r.leader()).isEqualTo(two[1].memberId());
        assertThat(r.members()).hasSize(1);
    }

    @Test
    void memberIdRequiredOnFirstJoinFromVersion4() {
        JoinGroupResponseData first = ctx.join(joinRequest("g", ""), (short) 4).join();
        assertThat(error(first)).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        assertThat(first.memberId()).startsWith("client-");
        assertThat(ctx.state("g")).isEqualTo("Empty");
        assertThat(ctx.describe("g").members()).isEmpty();

        CompletableFuture<JoinGroupResponseData> second =
                ctx.join(joinRequest("g", first.memberId()), (short) 4);
        ctx.timer.advance(3000);
        assertThat(error(second.join())).isEqualTo(Errors.NONE);
        assertThat(second.join().memberId()).isEqualTo(first.memberId());
    }

    @Test
    void olderVersionsJoinWithoutMemberIdRoundTrip() {
        CompletableFuture<JoinGroupResponseData> joined = ctx.join(joinRequest("g", ""), (short) 3);
        assertThat(joined).isNotDone();
        ctx.timer.advance(3000);
        assertThat(error(joined.join())).isEqualTo(Errors.NONE);
        assertThat(joined.join().memberId()).startsWith("client-");
    }

    @Test
    void pendingMemberThatNeverJoinsExpires() {
        JoinGroupResponseData first = ctx.join(joinRequest("g", "")).join();
        ctx.timer.advance(GroupTestContext.SESSION);
        assertThat(ctx.describe("g").errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        JoinGroupResponseData late = ctx.join(joinRequest("g", first.memberId())).join();
        assertThat(error(late)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void pendingMemberHoldsBackTheEndOfARebalance() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        CompletableFuture<JoinGroupResponseData> leaderRejoin = ctx.join(joinRequest("g", two[0].memberId()));
        JoinGroupResponseData pending = ctx.join(joinRequest("g", "")).join();
        assertThat(error(pending)).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        ctx.join(joinRequest("g", two[1].memberId()));
        assertThat(leaderRejoin).isNotDone();
        CompletableFuture<JoinGroupResponseData> third = ctx.join(joinRequest("g", pending.memberId()));
        assertThat(leaderRejoin.join().members()).hasSize(3);
        assertThat(third.join().generationId()).isEqualTo(2);
    }

    @Test
    void followerRejoiningUnchangedGetsTheCurrentGeneration() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        JoinGroupResponseData again = ctx.join(joinRequest("g", two[1].memberId())).join();
        assertThat(error(again)).isEqualTo(Errors.NONE);
        assertThat(again.generationId()).isEqualTo(1);
        assertThat(again.leader()).isEqualTo(two[0].memberId());
        assertThat(ctx.state("g")).isEqualTo("Stable");
    }

    @Test
    void leaderRejoiningStartsARebalance() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        CompletableFuture<JoinGroupResponseData> again = ctx.join(joinRequest("g", two[0].memberId()));
        assertThat(again).isNotDone();
        assertThat(ctx.state("g")).isEqualTo("PreparingRebalance");
    }

    @Test
    void followerChangingItsSubscriptionStartsARebalance() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        ctx.join(joinRequest("g", two[1].memberId()).setProtocols(protocols("range", subscription("t", "u"))));
        assertThat(ctx.state("g")).isEqualTo("PreparingRebalance");
    }

    @Test
    void rejoinDuringCompletingRebalanceRepeatsTheGeneration() {
        CompletableFuture<JoinGroupResponseData> a = ctx.joinNew("g");
        ctx.timer.advance(3000);
        JoinGroupResponseData first = a.join();
        JoinGroupResponseData again = ctx.join(joinRequest("g", first.memberId())).join();
        assertThat(again.generationId()).isEqualTo(1);
        assertThat(again.members()).hasSize(1);
        assertThat(ctx.state("g")).isEqualTo("CompletingRebalance");
    }

    @Test
    void aRepeatedJoinReplacesTheWaitingOne() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        CompletableFuture<JoinGroupResponseData> first = ctx.join(joinRequest("g", two[0].memberId()));
        CompletableFuture<JoinGroupResponseData> second = ctx.join(joinRequest("g", two[0].memberId()));
        assertThat(error(first.join())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
        ctx.join(joinRequest("g", two[1].memberId()));
        assertThat(second.join().generationId()).isEqualTo(2);
    }

    @Test
    void theProtocolEveryoneSupportsAndMostPreferIsChosen() {
        byte[] meta = subscription("t");
        CompletableFuture<JoinGroupResponseData> a = ctx.joinNew(joinRequest("g", "")
                .setProtocols(protocols("range", meta, "roundrobin", meta)));
        ctx.joinNew(joinRequest("g", "").setProtocols(protocols("range", meta, "roundrobin", meta)));
        ctx.joinNew(joinRequest("g", "").setProtocols(protocols("roundrobin", meta, "range", meta)));
        ctx.timer.advance(10_000);
        assertThat(a.join().protocolName()).isEqualTo("range");

        CompletableFuture<JoinGroupResponseData> b = ctx.joinNew(joinRequest("h", "")
                .setProtocols(protocols("range", meta, "roundrobin", meta)));
        ctx.joinNew(joinRequest("h", "").setProtocols(protocols("roundrobin", meta)));
        ctx.timer.advance(10_000);
        assertThat(b.join().protocolName()).isEqualTo("roundrobin");
    }

    @Test
    void emptyProtocolListIsInconsistentAndCreatesNothing() {
        JoinGroupResponseData r = ctx.join(joinRequest("g", "").setProtocols(protocols())).join();
        assertThat(error(r)).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(ctx.describe("g").errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());

        JoinGroupResponseData noType = ctx.join(joinRequest("g", "").setProtocolType("")).join();
        assertThat(error(noType)).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(ctx.shard.listGroups(null, null)).isEmpty();
    }

    @Test
    void protocolsMustMatchTheGroup() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        byte[] meta = subscription("t");
        assertThat(error(ctx.join(joinRequest("g", "").setProtocols(protocols("roundrobin", meta))).join()))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(error(ctx.join(joinRequest("g", "").setProtocolType("connect")).join()))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(error(ctx.join(joinRequest("g", two[1].memberId()).setProtocols(protocols())).join()))
                .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        assertThat(ctx.state("g")).isEqualTo("Stable");
    }

    @Test
    void sessionTimeoutMustBeWithinBounds() {
        assertThat(error(ctx.join(joinRequest("g", "").setSessionTimeoutMs(5999)).join()))
                .isEqualTo(Errors.INVALID_SESSION_TIMEOUT);
        assertThat(error(ctx.join(joinRequest("g", "").setSessionTimeoutMs(1_800_001)).join()))
                .isEqualTo(Errors.INVALID_SESSION_TIMEOUT);
        assertThat(error(ctx.join(joinRequest("g", "").setSessionTimeoutMs(6000)).join()))
                .isEqualTo(Errors.MEMBER_ID_REQUIRED);
    }

    @Test
    void badGroupAndMemberIds() {
        assertThat(error(ctx.join(joinRequest("", "")).join())).isEqualTo(Errors.INVALID_GROUP_ID);
        JoinGroupResponseData unknown = ctx.join(joinRequest("g", "made-up")).join();
        assertThat(error(unknown)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(unknown.memberId()).isEqualTo("made-up");
        ctx.stableGroupOfTwo("h");
        assertThat(error(ctx.join(joinRequest("h", "made-up")).join())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    }

    @Test
    void groupMaxSizeRefusesExtraMembers() {
        GroupTestContext small = new GroupTestContext(new GroupConfig(3000, 6000, 1_800_000, 2,
                10080L * 60_000L, 4096, 600_000L));
        small.stableGroupOfTwo("g");
        JoinGroupResponseData r = small.join(joinRequest("g", "")).join();
        assertThat(error(r)).isEqualTo(Errors.GROUP_MAX_SIZE_REACHED);
        assertThat(r.memberId()).isEmpty();
        assertThat(small.state("g")).isEqualTo("Stable");
        assertThat(small.describe("g").members()).hasSize(2);
    }

    @Test
    void groupMaxSizeCountsMembersJoiningTheFirstGeneration() {
        GroupTestContext one = new GroupTestContext(new GroupConfig(3000, 6000, 1_800_000, 1,
                10080L * 60_000L, 4096, 600_000L));
        CompletableFuture<JoinGroupResponseData> a = one.joinNew("g");
        assertThat(error(one.join(joinRequest("g", "")).join())).isEqualTo(Errors.GROUP_MAX_SIZE_REACHED);
        one.timer.advance(3000);
        assertThat(a.join().members()).hasSize(1);
    }

    @Test
    void syncFromTheLeaderIsPersistedAsGroupMetadata() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        GroupRecords.GroupValue stored = GroupRecords.decodeGroupValue(
                ctx.sink.log.get(ctx.sink.log.size() - 1).value());
        assertThat(stored.generation()).isEqualTo(1);
        assertThat(stored.protocolName()).isEqualTo("range");
        assertThat(stored.leaderId()).isEqualTo(two[0].memberId());
        assertThat(stored.members()).hasSize(2);
        assertThat(stored.members().get(0).assignment()).isEqualTo(assignment(new TopicPartition("t", 0)));
        assertThat(stored.members().get(0).subscription()).isEqualTo(subscription("t"));
        assertThat(stored.members().get(0).clientHost()).isEqualTo("/127.0.0.1");
    }

    @Test
    void failedAssignmentWriteMakesEveryoneRejoin() {
        CompletableFuture<JoinGroupResponseData> a = ctx.joinNew("g");
        CompletableFuture<JoinGroupResponseData> b = ctx.joinNew("g");
        ctx.timer.advance(6000);
        JoinGroupResponseData leader = a.join().leader().equals(a.join().memberId()) ? a.join() : b.join();
        JoinGroupResponseData follower = leader == a.join() ? b.join() : a.join();
        CompletableFuture<SyncGroupResponseData> followerSync = ctx.sync(follower, "g");
        ctx.sink.failNext(new org.apache.kafka.common.errors.NotLeaderOrFollowerException("moved"));
        SyncGroupResponseData leaderSync = ctx.sync(leader, "g").join();
        assertThat(error(leaderSync)).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(error(followerSync.join())).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(ctx.state("g")).isEqualTo("PreparingRebalance");
    }
}
