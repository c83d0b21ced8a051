package io.tributary.coordinator.group;

import io.tributary.coordinator.runtime.TestSink;
import io.tributary.coordinator.runtime.CoordinatorResult;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.Utils;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** A loaded shard with a manual clock and an in-memory log, and shorthands for requests. */
final class GroupTestContext {
    static final short JOIN_V = 9;
    static final short SYNC_V = 5;
    static final int SESSION = 10_000;
    static final int REBALANCE = 30_000;

    final ManualTimer timer = new ManualTimer(1_000_000L);
    final TestSink sink = new TestSink();
    final GroupConfig config;
    final GroupCoordinatorShard shard;

    GroupTestContext() {
        this(new GroupConfig(3000, 6000, 1_800_000, Integer.MAX_VALUE, 10080L * 60_000L, 4096, 600_000L));
    }

    GroupTestContext(GroupConfig config) {
        this.config = config;
        timer.writeWith(sink::writeTimerRecords);
        this.shard = newShard();
        shard.onLoaded();
    }

    /** A shard over the same clock, timer and sink, not loaded yet. */
    GroupCoordinatorShard newShard() {
        GroupCoordinatorShard s = new GroupCoordinatorShard(config, timer, timer);
        sink.attach(s);
        return s;
    }

    /** Writes a result's records as the runtime would, and answers once they are committed. */
    <T> CompletableFuture<T> run(CoordinatorResult<T> result) {
        return sink.run(result);
    }

    // ---- protocol payloads ----

    static byte[] subscription(String... topics) {
        return Utils.toArray(ConsumerProtocol.serializeSubscription(
                new ConsumerPartitionAssignor.Subscription(List.of(topics))));
    }

    static byte[] assignment(TopicPartition... partitions) {
        return Utils.toArray(ConsumerProtocol.serializeAssignment(
                new ConsumerPartitionAssignor.Assignment(List.of(partitions))));
    }

    static JoinGroupRequestProtocolCollection protocols(Object... nameThenMetadata) {
        JoinGroupRequestProtocolCollection c = new JoinGroupRequestProtocolCollection();
        for (int i = 0; i < nameThenMetadata.length; i += 2) {
            c.add(new JoinGroupRequestProtocol()
                    .setName((String) nameThenMetadata[i])
                    .setMetadata((byte[]) nameThenMetadata[i + 1]));
        }
        return c;
    }

    static JoinGroupRequestData joinRequest(String group, String memberId) {
        return new JoinGroupRequestData()
                .setGroupId(group)
                .setMemberId(memberId)
                .setProtocolType("consumer")
                .setSessionTimeoutMs(SESSION)
                .setRebalanceTimeoutMs(REBALANCE)
                .setProtocols(protocols("range", subscription("t")));
    }

    // ---- requests ----

    CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData request) {
        return join(request, JOIN_V);
    }

    CompletableFuture<JoinGroupResponseData> join(JoinGroupRequestData request, short version) {
        return run(shard.joinGroup(request, version, "client", "/127.0.0.1")).thenCompose(response -> response);
    }

    /** A dynamic member's first join at v9: MEMBER_ID_REQUIRED, then the join proper (still pending). */
    CompletableFuture<JoinGroupResponseData> joinNew(String group) {
        return joinNew(joinRequest(group, ""));
    }

    CompletableFuture<JoinGroupResponseData> joinNew(JoinGroupRequestData request) {
        JoinGroupResponseData first = join(request).join();
        assertThat(Errors.forCode(first.errorCode())).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        return join(request.duplicate().setMemberId(first.memberId()));
    }

    CompletableFuture<SyncGroupResponseData> sync(String group, int generation, String memberId,
                                                  Map<String, byte[]> assignments) {
        List<SyncGroupRequestAssignment> list = new ArrayList<>();
        assignments.forEach((m, a) -> list.add(new SyncGroupRequestAssignment().setMemberId(m).setAssignment(a)));
        return run(shard.syncGroup(new SyncGroupRequestData()
                .setGroupId(group)
                .setGenerationId(generation)
                .setMemberId(memberId)
                .setProtocolType("consumer")
                .setProtocolName("range")
                .setAssignments(list), SYNC_V)).thenCompose(response -> response);
    }

    CompletableFuture<SyncGroupResponseData> sync(JoinGroupResponseData joined, String group) {
        return sync(group, joined.generationId(), joined.memberId(), Map.of());
    }

    Errors heartbeat(String group, int generation, String memberId) {
        return heartbeat(group, generation, memberId, null);
    }

    Errors heartbeat(String group, int generation, String memberId, String instanceId) {
        return Errors.forCode(run(shard.heartbeat(new HeartbeatRequestData()
                .setGroupId(group)
                .setGenerationId(generation)
                .setMemberId(memberId)
                .setGroupInstanceId(instanceId))).join().errorCode());
    }

    LeaveGroupResponseData leave(String group, String memberId) {
        return run(shard.leaveGroup(new LeaveGroupRequestData().setGroupId(group).setMembers(List.of(
                new LeaveGroupRequestData.MemberIdentity().setMemberId(memberId))), (short) 5)).join();
    }

    OffsetCommitResponseData commit(String group, int generation, String memberId, String topic, int partition,
                                    long offset) {
        return commitFuture(group, generation, memberId, topic, partition, offset).join();
    }

    CompletableFuture<OffsetCommitResponseData> commitFuture(String group, int generation, String memberId,
                                                            String topic, int partition, long offset) {
        return run(shard.commitOffsets(new OffsetCommitRequestData()
                .setGroupId(group)
                .setGenerationIdOrMemberEpoch(generation)
                .setMemberId(memberId)
                .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic()
                        .setName(topic)
                        .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                                .setPartitionIndex(partition)
                                .setCommittedOffset(offset)
                                .setCommittedLeaderEpoch(1)
                                .setCommittedMetadata("m"))))), (short) 9));
    }

    static Errors commitError(OffsetCommitResponseData response) {
        return Errors.forCode(response.topics().get(0).partitions().get(0).errorCode());
    }

    /** The committed offset of one partition, -1 if none. */
    long committed(String group, String topic, int partition) {
        return committedPartition(shard, group, topic, partition).committedOffset();
    }

    static OffsetFetchResponsePartitions committedPartition(GroupCoordinatorShard shard, String group, String topic,
                                                            int partition) {
        return shard.fetchOffsets(group, List.of(new OffsetFetchRequestTopics()
                .setName(topic).setPartitionIndexes(List.of(partition))), false)
                .topics().get(0).partitions().get(0);
    }

    String state(String group) {
        return shard.describeGroup(group).groupState();
    }

    DescribedGroup describe(String group) {
        return shard.describeGroup(group);
    }

    // ---- a formed group ----

    /** Two dynamic members joined, the group formed and both have synced; returns [leader, follower]. */
    JoinGroupResponseData[] stableGroupOfTwo(String group) {
        CompletableFuture<JoinGroupResponseData> a = joinNew(group);
        CompletableFuture<JoinGroupResponseData> b = joinNew(group);
        // The second arrival extends the initial delay once.
        timer.advance(2L * config.initialRebalanceDelayMs());
        assertThat(a).isDone();
        JoinGroupResponseData ra = a.join();
        JoinGroupResponseData rb = b.join();
        JoinGroupResponseData leader = ra.leader().equals(ra.memberId()) ? ra : rb;
        JoinGroupResponseData follower = leader == ra ? rb : ra;
        CompletableFuture<SyncGroupResponseData> followerSync = sync(follower, group);
        sync(group, leader.generationId(), leader.memberId(), Map.of(
                leader.memberId(), assignment(new TopicPartition("t", 0)),
                follower.memberId(), assignment(new TopicPartition("t", 1)))).join();
        assertThat(Errors.forCode(followerSync.join().errorCode())).isEqualTo(Errors.NONE);
        return new JoinGroupResponseData[]{leader, follower};
    }
}
