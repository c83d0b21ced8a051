package io.tributary.coordinator.group;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResultCollection;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.protocol.MessageUtil;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

import static io.tributary.coordinator.group.GroupTestContext.joinRequest;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every response the shard produces serializes at every version kafka-clients 4.4.0 knows for its request,
 * and reads back the same: no field is set that a version cannot carry.
 */
class WireVersionsTest {

    private static <T extends ApiMessage> T roundTrip(T message, short version,
                                                      BiFunction<ByteBufferAccessor, Short, T> reader) {
        return reader.apply(MessageUtil.toByteBufferAccessor(message, version), version);
    }

    @Test
    void joinGroupAtEveryVersion() {
        for (short v = JoinGroupRequestData.LOWEST_SUPPORTED_VERSION; v <= JoinGroupRequestData.HIGHEST_SUPPORTED_VERSION; v++) {
            GroupTestContext ctx = new GroupTestContext();
            JoinGroupRequestData request = joinRequest("g", "");
            if (v >= 5) {
                request.setGroupInstanceId("i1");
            }
            CompletableFuture<JoinGroupResponseData> joined = ctx.join(request, v);
            if (joined.isDone() && joined.join().errorCode() == Errors.MEMBER_ID_REQUIRED.code()) {
                assertThat(v).isEqualTo((short) 4);
                joined = ctx.join(request.duplicate().setMemberId(joined.join().memberId()), v);
            }
            ctx.timer.advance(3000);
            JoinGroupResponseData leader = joined.join();
            assertThat(leader.errorCode()).as("v%d", v).isZero();
            final short version = v;
            JoinGroupResponseData read = roundTrip(leader, v, (a, ver) -> new JoinGroupResponseData(a, ver));
            assertThat(read.memberId()).isEqualTo(leader.memberId());
            assertThat(read.members()).hasSize(1);
            assertThat(read.protocolName()).isEqualTo("range");
            if (v >= 5) {
                assertThat(read.members().get(0).groupInstanceId()).isEqualTo("i1");
            }
            JoinGroupResponseData error = ctx.join(joinRequest("", ""), v).join();
            assertThat(roundTrip(error, v, (a, ver) -> new JoinGroupResponseData(a, ver)).errorCode())
                    .as("v%d", version).isEqualTo(Errors.INVALID_GROUP_ID.code());
            ctx.sync(leader, "g").join();
            if (v >= 5) {
                // A static restart: the leader rejoins with skipAssignment from v9 only.
                JoinGroupResponseData back = ctx.join(joinRequest("g", "").setGroupInstanceId("i1"), v).join();
                assertThat(back.skipAssignment()).isEqualTo(v >= 9);
                roundTrip(back, v, (a, ver) -> new JoinGroupResponseData(a, ver));
            }
        }
    }

    @Test
    void syncHeartbeatAndLeaveAtEveryVersion() {
        GroupTestContext ctx = new GroupTestContext();
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        for (short v = SyncGroupRequestData.LOWEST_SUPPORTED_VERSION; v <= SyncGroupRequestData.HIGHEST_SUPPORTED_VERSION; v++) {
            SyncGroupResponseData ok = ctx.run(ctx.shard.syncGroup(new SyncGroupRequestData().setGroupId("g")
                    .setGenerationId(1).setMemberId(two[1].memberId()), v)).thenCompose(r -> r).join();
            SyncGroupResponseData read = roundTrip(ok, v, (a, ver) -> new SyncGroupResponseData(a, ver));
            assertThat(read.assignment()).isEqualTo(ok.assignment());
            SyncGroupResponseData bad = ctx.run(ctx.shard.syncGroup(new SyncGroupRequestData().setGroupId("g")
                    .setGenerationId(1).setMemberId("x"), v)).thenCompose(r -> r).join();
            assertThat(roundTrip(bad, v, (a, ver) -> new SyncGroupResponseData(a, ver)).errorCode())
                    .isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());
        }
        for (short v = HeartbeatRequestData.LOWEST_SUPPORTED_VERSION; v <= HeartbeatRequestData.HIGHEST_SUPPORTED_VERSION; v++) {
            HeartbeatResponseData r = ctx.run(ctx.shard.heartbeat(new HeartbeatRequestData().setGroupId("g")
                    .setGenerationId(1).setMemberId(two[0].memberId()))).join();
            roundTrip(r, v, (a, ver) -> new HeartbeatResponseData(a, ver));
        }
        for (short v = LeaveGroupRequestData.LOWEST_SUPPORTED_VERSION; v <= LeaveGroupRequestData.HIGHEST_SUPPORTED_VERSION; v++) {
            LeaveGroupRequestData request = v < 3
                    ? new LeaveGroupRequestData().setGroupId("g").setMemberId("stranger")
                    : new LeaveGroupRequestData().setGroupId("g").setMembers(List.of(
                            new LeaveGroupRequestData.MemberIdentity().setMemberId("stranger")));
            LeaveGroupResponseData r = ctx.run(ctx.shard.leaveGroup(request, v)).join();
            LeaveGroupResponseData read = roundTrip(r, v, (a, ver) -> new LeaveGroupResponseData(a, ver));
            if (v < 3) {
                assertThat(read.errorCode()).isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());
            } else {
                assertThat(read.members().get(0).errorCode()).isEqualTo(Errors.UNKNOWN_MEMBER_ID.code());
            }
        }
    }

    @Test
    void offsetApisAtEveryVersion() {
        GroupTestContext ctx = new GroupTestContext();
        Uuid topicId = Uuid.randomUuid();
        for (short v = OffsetCommitRequestData.LOWEST_SUPPORTED_VERSION; v <= OffsetCommitRequestData.HIGHEST_SUPPORTED_VERSION; v++) {
            OffsetCommitRequestData request = new OffsetCommitRequestData().setGroupId("s")
                    .setGenerationIdOrMemberEpoch(-1)
                    .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic()
                            .setName("t").setTopicId(v >= 10 ? topicId : Uuid.ZERO_UUID)
                            .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                                    .setPartitionIndex(0).setCommittedOffset(v)))));
            OffsetCommitResponseData r = ctx.run(ctx.shard.commitOffsets(request, v)).join();
            OffsetCommitResponseData read = roundTrip(r, v, (a, ver) -> new OffsetCommitResponseData(a, ver));
            assertThat(read.topics().get(0).partitions().get(0).errorCode()).isZero();
            if (v >= 10) {
                assertThat(read.topics().get(0).topicId()).isEqualTo(topicId);
            } else {
                assertThat(read.topics().get(0).name()).isEqualTo("t");
            }
        }
        for (short v = 8; v <= OffsetFetchRequestData.HIGHEST_SUPPORTED_VERSION; v++) {
            OffsetFetchResponseData.OffsetFetchResponseGroup group = ctx.shard.fetchOffsets("s",
                    List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics().setName("t")
                            .setTopicId(v >= 10 ? topicId : Uuid.ZERO_UUID).setPartitionIndexes(List.of(0, 1))),
                    true);
            OffsetFetchResponseData read = roundTrip(new OffsetFetchResponseData().setGroups(List.of(group)), v,
                    (a, ver) -> new OffsetFetchResponseData(a, ver));
            assertThat(read.groups().get(0).topics().get(0).partitions()).extracting(p -> p.committedOffset())
                    .containsExactly((long) OffsetCommitRequestData.HIGHEST_SUPPORTED_VERSION, -1L);
        }
        OffsetDeleteResponseData deleted = ctx.run(ctx.shard.deleteOffsets(new OffsetDeleteRequestData().setGroupId("nope"))).join();
        roundTrip(deleted, (short) 0, (a, ver) -> new OffsetDeleteResponseData(a, ver));
    }

    @Test
    void adminApisAtEveryVersion() {
        GroupTestContext ctx = new GroupTestContext();
        CompletableFuture<JoinGroupResponseData> a = ctx.join(joinRequest("g", "").setGroupInstanceId("i1"));
        ctx.timer.advance(3000);
        ctx.sync("g", 1, a.join().memberId(), Map.of()).join();
        ctx.commit("s", -1, "", "t", 0, 1);
        for (short v = DescribeGroupsRequestData.LOWEST_SUPPORTED_VERSION; v <= DescribeGroupsRequestData.HIGHEST_SUPPORTED_VERSION; v++) {
            List<DescribeGroupsResponseData.DescribedGroup> groups = new ArrayList<>();
            groups.add(ctx.shard.describeGroup("g", v));
            groups.add(ctx.shard.describeGroup("nope", v));
            DescribeGroupsResponseData read = roundTrip(new DescribeGroupsResponseData().setGroups(groups), v,
                    (acc, ver) -> new DescribeGroupsResponseData(acc, ver));
            assertThat(read.groups().get(0).members()).hasSize(1);
            assertThat(read.groups().get(1).groupState()).isEqualTo("Dead");
        }
        for (short v = ListGroupsRequestData.LOWEST_SUPPORTED_VERSION; v <= ListGroupsRequestData.HIGHEST_SUPPORTED_VERSION; v++) {
            ListGroupsResponseData read = roundTrip(new ListGroupsResponseData()
                    .setGroups(ctx.shard.listGroups(null, null)), v, (acc, ver) -> new ListGroupsResponseData(acc, ver));
            assertThat(read.groups()).hasSize(2);
        }
        for (short v = DeleteGroupsRequestData.LOWEST_SUPPORTED_VERSION; v <= DeleteGroupsRequestData.HIGHEST_SUPPORTED_VERSION; v++) {
            DeletableGroupResultCollection results = new DeletableGroupResultCollection();
            ctx.run(ctx.shard.deleteGroups(List.of("g", "nope"))).join().forEach(results::add);
            roundTrip(new DeleteGroupsResponseData().setResults(results), v,
                    (acc, ver) -> new DeleteGroupsResponseData(acc, ver));
        }
    }
}
