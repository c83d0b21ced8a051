package io.tributary.coordinator.group;

import io.tributary.coordinator.runtime.TestSink;
import io.tributary.coordinator.runtime.CoordinatorRecord;
import io.tributary.replication.codec.MalformedEncodingException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.tributary.coordinator.group.GroupTestContext.SESSION;
import static io.tributary.coordinator.group.GroupTestContext.assignment;
import static io.tributary.coordinator.group.GroupTestContext.joinRequest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplayTest {
    private final GroupTestContext ctx = new GroupTestContext();

    /** A fresh shard on its own log, loaded from the given records. */
    private LoadedShard load(List<CoordinatorRecord> records) {
        return load(records, ctx.config);
    }

    private LoadedShard load(List<CoordinatorRecord> records, GroupConfig config) {
        TestSink sink = new TestSink();
        GroupCoordinatorShard shard = new GroupCoordinatorShard(config, ctx.timer, ctx.timer);
        sink.attach(shard);
        records.forEach(shard::replay);
        shard.onLoaded();
        return new LoadedShard(shard, sink);
    }

    private record LoadedShard(GroupCoordinatorShard shard, TestSink sink) {
    }

    /** A stable group, a simple consumer's offsets, an emptied group and some deleted offsets. */
    private JoinGroupResponseData[] buildState() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        for (int i = 0; i < 5; i++) {
            ctx.commit("g", 1, two[0].memberId(), "t", 0, 100 + i);
        }
        ctx.commit("g", 1, two[1].memberId(), "t", 1, 200);
        ctx.commit("simple", -1, "", "t", 0, 7);
        ctx.commit("simple", -1, "", "gone", 0, 8);
        OffsetDeleteRequestTopicCollection topics = new OffsetDeleteRequestTopicCollection();
        topics.add(new OffsetDeleteRequestTopic().setName("gone")
                .setPartitions(List.of(new OffsetDeleteRequestPartition().setPartitionIndex(0))));
        ctx.run(ctx.shard.deleteOffsets(new OffsetDeleteRequestData().setGroupId("simple").setTopics(topics))).join();
        CompletableFuture<JoinGroupResponseData> e = ctx.joinNew("emptied");
        ctx.timer.advance(3000);
        ctx.sync(e.join(), "emptied").join();
        ctx.commit("emptied", 1, e.join().memberId(), "t", 2, 300);
        ctx.leave("emptied", e.join().memberId());
        return two;
    }

    private static void assertSameGroups(GroupCoordinatorShard a, GroupCoordinatorShard b) {
        assertThat(b.listGroups(null, null)).isEqualTo(a.listGroups(null, null));
        for (String group : List.of("g", "simple", "emptied")) {
            DescribedGroup da = a.describeGroup(group);
            DescribedGroup db = b.describeGroup(group);
            assertThat(db).isEqualTo(da);
            OffsetFetchResponseGroup oa = a.fetchOffsets(group, null, false);
            OffsetFetchResponseGroup ob = b.fetchOffsets(group, null, false);
            assertThat(ob).isEqualTo(oa);
        }
    }

    @Test
    void liveRecordsRebuildTheSameGroupsAndOffsets() {
        JoinGroupResponseData[] two = buildState();
        LoadedShard copy = load(ctx.shard.liveRecords());
        assertSameGroups(ctx.shard, copy.shard());
        assertThat(copy.shard().describeGroup("g").groupState()).isEqualTo("Stable");
        assertThat(copy.shard().describeGroup("emptied").groupState()).isEqualTo("Empty");
        assertThat(GroupTestContext.committedPartition(copy.shard(), "g", "t", 0).committedOffset()).isEqualTo(104);
        assertThat(GroupTestContext.committedPartition(copy.shard(), "simple", "gone", 0).committedOffset())
                .isEqualTo(-1);

        // Members carry on in their generation on the new coordinator.
        assertThat(Errors.forCode(copy.sink().run(copy.shard().heartbeat(new HeartbeatRequestData().setGroupId("g")
                .setGenerationId(1).setMemberId(two[1].memberId()))).join().errorCode())).isEqualTo(Errors.NONE);
        SyncGroupResponseData sync = copy.sink().run(copy.shard().syncGroup(new SyncGroupRequestData()
                .setGroupId("g").setGenerationId(1).setMemberId(two[1].memberId()), (short) 5)).thenCompose(r -> r).join();
        assertThat(sync.assignment()).isEqualTo(assignment(new TopicPartition("t", 1)));
    }

    @Test
    void liveRecordsAreCompactAndEquivalentToTheWholeLog() {
        buildState();
        List<CoordinatorRecord> live = ctx.shard.liveRecords();
        // One record per group metadata and per live offset: g, emptied + 2 + 1 + 1 offsets.
        assertThat(live).hasSize(6);
        assertThat(live).noneMatch(CoordinatorRecord::isTombstone);
        assertThat(ctx.sink.log.size()).isGreaterThan(live.size());
        LoadedShard fromLog = load(ctx.sink.log);
        LoadedShard fromLive = load(live);
        assertSameGroups(fromLog.shard(), fromLive.shard());
        assertSameGroups(ctx.shard, fromLog.shard());
        assertThat(fromLive.shard().liveRecords()).hasSize(6);
    }

    @Test
    void silentMembersOfALoadedGroupExpire() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        ctx.shard.onUnloaded();
        LoadedShard copy = load(ctx.sink.log);
        HeartbeatRequestData beat = new HeartbeatRequestData().setGroupId("g").setGenerationId(1)
                .setMemberId(two[0].memberId());
        ctx.timer.advance(SESSION - 1);
        assertThat(copy.sink().run(copy.shard().heartbeat(beat)).join().errorCode()).isZero();
        ctx.timer.advance(1);
        assertThat(copy.shard().describeGroup("g").groupState()).isEqualTo("PreparingRebalance");
        assertThat(copy.shard().describeGroup("g").members()).hasSize(1);
        JoinGroupResponseData rejoined = copy.sink().run(copy.shard().joinGroup(joinRequest("g", two[0].memberId()), (short) 9,
                "client", "/127.0.0.1")).thenCompose(r -> r).join();
        assertThat(rejoined.generationId()).isEqualTo(2);
    }

    @Test
    void loadedGroupOverTheSizeLimitRebalances() {
        ctx.stableGroupOfTwo("g");
        LoadedShard copy = load(ctx.sink.log, new GroupConfig(3000, 6000, 1_800_000, 1,
                10080L * 60_000L, 4096, 600_000L));
        ctx.timer.advance(0);
        assertThat(copy.shard().describeGroup("g").groupState()).isEqualTo("PreparingRebalance");
    }

    @Test
    void requestsWhileLoadingOrAfterUnloading() {
        GroupCoordinatorShard loading = new GroupCoordinatorShard(ctx.config, ctx.timer, ctx.timer);
        assertThat(loading.joinGroup(joinRequest("g", ""), (short) 9, "c", "h").response().join().errorCode())
                .isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
        assertThat(loading.syncGroup(new SyncGroupRequestData().setGroupId("g")
                .setMemberId("m"), (short) 5).response().join().errorCode()).isEqualTo(Errors.REBALANCE_IN_PROGRESS.code());
        assertThat(loading.heartbeat(new HeartbeatRequestData().setGroupId("g").setMemberId("m")).response().errorCode())
                .isZero();
        assertThat(loading.fetchOffsets("g", null, false).errorCode())
                .isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS.code());
        assertThat(loading.describeGroup("g").errorCode()).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS.code());

        ctx.stableGroupOfTwo("g");
        ctx.shard.onUnloaded();
        assertThat(ctx.heartbeat("g", 1, "m")).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(GroupTestContext.commitError(ctx.commit("g", -1, "", "t", 0, 1))).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(ctx.run(ctx.shard.deleteGroups(List.of("g"))).join().get(0).errorCode())
                .isEqualTo(Errors.NOT_COORDINATOR.code());
        assertThat(ctx.shard.listGroups(null, null)).isEmpty();
    }

    @Test
    void unloadingAnswersWaitingRequestsAndStopsTimers() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        CompletableFuture<JoinGroupResponseData> waitingJoin = ctx.join(joinRequest("g", two[0].memberId()));
        CompletableFuture<JoinGroupResponseData> a = ctx.joinNew("h");
        CompletableFuture<JoinGroupResponseData> b = ctx.joinNew("h");
        ctx.timer.advance(6000);
        JoinGroupResponseData follower = a.join().leader().equals(a.join().memberId()) ? b.join() : a.join();
        JoinGroupResponseData leader = follower == a.join() ? b.join() : a.join();
        CompletableFuture<SyncGroupResponseData> followerSync = ctx.sync(follower, "h");
        ctx.sink.hold();
        CompletableFuture<SyncGroupResponseData> leaderSync = ctx.sync(leader, "h");
        CompletableFuture<JoinGroupResponseData> pendingGroup = ctx.joinNew("i");

        ctx.shard.onUnloaded();
        assertThat(waitingJoin.join().errorCode()).isEqualTo(Errors.NOT_COORDINATOR.code());
        assertThat(followerSync.join().errorCode()).isEqualTo(Errors.NOT_COORDINATOR.code());
        assertThat(pendingGroup.join().errorCode()).isEqualTo(Errors.NOT_COORDINATOR.code());
        assertThat(ctx.timer.pending()).isZero();
        // The leader's answer waits for its write, which fails once the shard is gone, without effect.
        assertThat(leaderSync).isNotDone();
        ctx.sink.failHeld(new NotCoordinatorException("gone"));
        assertThat(leaderSync.join().errorCode()).isEqualTo(Errors.NOT_COORDINATOR.code());
        ctx.timer.advance(600_000);
        assertThat(ctx.timer.pending()).isZero();
    }

    @Test
    void aDamagedRecordFailsWithoutChangingState() {
        ctx.commit("s", -1, "", "t", 0, 1);
        CoordinatorRecord good = ctx.sink.log.get(0);
        ByteBuffer value = ByteBuffer.allocate(3).putShort((short) 1).put((byte) 2);
        value.flip();
        assertThatThrownBy(() -> ctx.shard.replay(new CoordinatorRecord(good.key(), value)))
                .isInstanceOf(MalformedEncodingException.class);
        assertThat(ctx.committed("s", "t", 0)).isEqualTo(1);
        assertThatThrownBy(() -> ctx.shard.replay(new CoordinatorRecord(ByteBuffer.wrap(new byte[]{0, 1, 7}), value)))
                .isInstanceOf(MalformedEncodingException.class);
    }

    @Test
    void tombstonesForUnknownKeysAreHarmless() {
        LoadedShard copy = load(List.of(
                GroupRecords.groupTombstone("x"),
                GroupRecords.offsetTombstone(new GroupRecords.OffsetKey("x", "t", 0))));
        assertThat(copy.shard().listGroups(null, null)).isEmpty();
        assertThat(copy.shard().liveRecords()).isEmpty();
    }

    @Test
    void laterRecordsWinWhileLoading() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        ctx.joinNew("g");
        ctx.join(joinRequest("g", two[0].memberId()));
        assertThat(ctx.join(joinRequest("g", two[1].memberId())).join().generationId()).isEqualTo(2);
        // Generation 2 formed, but its assignment was never written: the log still says generation 1.
        LoadedShard copy = load(ctx.sink.log);
        assertThat(copy.shard().describeGroup("g").members()).hasSize(2);
        assertThat(copy.sink().run(copy.shard().heartbeat(new HeartbeatRequestData().setGroupId("g").setGenerationId(1)
                .setMemberId(two[0].memberId()))).join().errorCode()).isZero();
    }
}
