package io.tributary.coordinator.group;

import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

class ExpiryTest {
    private static final long RETENTION = 10 * 60_000L;
    private final GroupTestContext ctx = new GroupTestContext(
            new GroupConfig(3000, 6000, 1_800_000, Integer.MAX_VALUE, RETENTION, 4096, 600_000L));

    private int expire() {
        return ctx.run(ctx.shard.expireOffsets()).join();
    }

    private void keepAlive(JoinGroupResponseData[] members, long ms) {
        for (long t = 0; t < ms; t += 5000) {
            ctx.timer.advance(5000);
            for (JoinGroupResponseData m : members) {
                ctx.heartbeat("g", m.generationId(), m.memberId());
            }
        }
    }

    @Test
    void emptyGroupOffsetsExpireRetentionAfterTheGroupEmptied() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        ctx.commit("g", 1, two[0].memberId(), "t", 0, 5);
        keepAlive(two, RETENTION);
        // Old commits, but the group is alive: nothing expires.
        assertThat(expire()).isZero();
        ctx.leave("g", two[0].memberId());
        ctx.leave("g", two[1].memberId());
        assertThat(ctx.state("g")).isEqualTo("Empty");

        ctx.timer.advance(RETENTION - 1);
        assertThat(expire()).isZero();
        assertThat(ctx.committed("g", "t", 0)).isEqualTo(5);
        ctx.timer.advance(1);
        assertThat(expire()).isEqualTo(1);
        assertThat(ctx.committed("g", "t", 0)).isEqualTo(-1);
        // With no offsets left, the empty group itself is deleted.
        assertThat(ctx.describe("g").errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        assertThat(ctx.shard.liveRecords()).isEmpty();
    }

    @Test
    void simpleConsumerOffsetsExpireRetentionAfterTheirCommit() {
        ctx.commit("s", -1, "", "t", 0, 1);
        ctx.timer.advance(1000);
        ctx.commit("s", -1, "", "t", 1, 2);
        ctx.timer.advance(RETENTION - 1000);
        assertThat(expire()).isEqualTo(1);
        assertThat(ctx.committed("s", "t", 0)).isEqualTo(-1);
        assertThat(ctx.committed("s", "t", 1)).isEqualTo(2);
        assertThat(ctx.state("s")).isEqualTo("Empty");
        ctx.timer.advance(1000);
        assertThat(expire()).isEqualTo(1);
        assertThat(ctx.describe("s").errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
    }

    @Test
    void stableConsumerGroupsKeepSubscribedTopicsAndExpireTheRest() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        ctx.commit("g", 1, two[0].memberId(), "t", 0, 5);
        ctx.commit("g", 1, two[0].memberId(), "old", 0, 3);
        keepAlive(two, RETENTION);
        assertThat(expire()).isEqualTo(1);
        assertThat(ctx.committed("g", "t", 0)).isEqualTo(5);
        assertThat(ctx.committed("g", "old", 0)).isEqualTo(-1);
        assertThat(ctx.state("g")).isEqualTo("Stable");
    }

    @Test
    void rebalancingGroupsKeepEverything() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        ctx.commit("g", 1, two[0].memberId(), "old", 0, 3);
        ctx.join(GroupTestContext.joinRequest("g", two[0].memberId())
                .setRebalanceTimeoutMs(2 * (int) RETENTION));
        for (long t = 0; t < RETENTION; t += 5000) {
            ctx.timer.advance(5000);
            ctx.heartbeat("g", 1, two[1].memberId());
        }
        assertThat(ctx.state("g")).isEqualTo("PreparingRebalance");
        assertThat(expire()).isZero();
        assertThat(ctx.committed("g", "old", 0)).isEqualTo(3);
    }

    @Test
    void explicitRetentionOfOldCommitVersionsWins() {
        OffsetCommitRequestData request = new OffsetCommitRequestData().setGroupId("s")
                .setGenerationIdOrMemberEpoch(-1).setRetentionTimeMs(1000)
                .setTopics(List.of(new OffsetCommitRequestTopic().setName("t").setPartitions(List.of(
                        new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(4)))));
        ctx.run(ctx.shard.commitOffsets(request, (short) 2)).join();
        ctx.timer.advance(999);
        assertThat(expire()).isZero();
        ctx.timer.advance(1);
        assertThat(expire()).isEqualTo(1);
    }

    @Test
    void emptyGroupsWithoutOffsetsAreDeletedAndTransientOnesDropped() {
        CompletableFuture<JoinGroupResponseData> a = ctx.joinNew("g");
        ctx.timer.advance(3000);
        ctx.sync(a.join(), "g").join();
        ctx.leave("g", a.join().memberId());
        assertThat(ctx.state("g")).isEqualTo("Empty");
        int before = ctx.sink.log.size();
        assertThat(expire()).isZero();
        assertThat(ctx.sink.log.subList(before, ctx.sink.log.size())).singleElement()
                .satisfies(r -> assertThat(r.isTombstone()).isTrue());
        assertThat(ctx.describe("g").errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());

        // A group that only ever had a pending member is forgotten without writing anything.
        ctx.join(GroupTestContext.joinRequest("h", ""));
        ctx.timer.advance(GroupTestContext.SESSION);
        before = ctx.sink.appends;
        assertThat(expire()).isZero();
        assertThat(ctx.sink.appends).isEqualTo(before);
    }

    @Test
    void inFlightCommitsAreNotExpired() {
        ctx.commit("s", -1, "", "t", 0, 1);
        ctx.timer.advance(RETENTION);
        ctx.sink.hold();
        ctx.commitFuture("s", -1, "", "t", 0, 2);
        CompletableFuture<Integer> expiring = ctx.run(ctx.shard.expireOffsets());
        assertThat(ctx.sink.heldCount()).isEqualTo(1);
        ctx.sink.commitHeld();
        assertThat(expiring.join()).isZero();
        assertThat(ctx.committed("s", "t", 0)).isEqualTo(2);
    }

    @Test
    void aFailedExpiryKeepsTheGroup() {
        ctx.commit("s", -1, "", "t", 0, 1);
        ctx.timer.advance(RETENTION);
        ctx.sink.failNext(new NotLeaderOrFollowerException("moved"));
        assertThat(expire()).as("nothing expired that was not written").isZero();
        assertThat(ctx.state("s")).isEqualTo("Empty");
        assertThat(ctx.committed("s", "t", 0)).isEqualTo(1);
        assertThat(expire()).isEqualTo(1);
    }
}
