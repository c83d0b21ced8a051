package io.tributary.coordinator.group;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static io.tributary.coordinator.group.GroupTestContext.assignment;
import static io.tributary.coordinator.group.GroupTestContext.joinRequest;
import static io.tributary.coordinator.group.GroupTestContext.protocols;
import static io.tributary.coordinator.group.GroupTestContext.subscription;
import static org.assertj.core.api.Assertions.assertThat;

class AdminTest {
    private final GroupTestContext ctx = new GroupTestContext();

    private static OffsetDeleteRequestData offsetDelete(String group, String topic, int... partitions) {
        List<OffsetDeleteRequestPartition> ps = new ArrayList<>();
        for (int p : partitions) {
            ps.add(new OffsetDeleteRequestPartition().setPartitionIndex(p));
        }
        OffsetDeleteRequestTopicCollection topics = new OffsetDeleteRequestTopicCollection();
        topics.add(new OffsetDeleteRequestTopic().setName(topic).setPartitions(ps));
        return new OffsetDeleteRequestData().setGroupId(group).setTopics(topics);
    }

    private static List<Short> partitionErrors(OffsetDeleteResponseData r) {
        List<Short> out = new ArrayList<>();
        r.topics().forEach(t -> t.partitions().forEach(p -> out.add(p.errorCode())));
        return out;
    }

    /** A consumer group whose members all left: Empty, with its protocol type and committed offsets. */
    private void emptyGroupWithOffsets(String group) {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo(group);
        ctx.commit(group, 1, two[0].memberId(), "t", 0, 5);
        ctx.commit(group, 1, two[1].memberId(), "t", 1, 6);
        ctx.leave(group, two[0].memberId());
        ctx.leave(group, two[1].memberId());
        assertThat(ctx.state(group)).isEqualTo("Empty");
    }

    @Test
    void describeAStableGroup() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        DescribedGroup d = ctx.describe("g");
        assertThat(d.errorCode()).isZero();
        assertThat(d.groupState()).isEqualTo("Stable");
        assertThat(d.protocolType()).isEqualTo("consumer");
        assertThat(d.protocolData()).isEqualTo("range");
        assertThat(d.members()).extracting(DescribedGroupMember::memberId)
                .containsExactly(two[0].memberId(), two[1].memberId());
        DescribedGroupMember m = d.members().get(1);
        assertThat(m.clientId()).isEqualTo("client");
        assertThat(m.clientHost()).isEqualTo("/127.0.0.1");
        assertThat(m.memberMetadata()).isEqualTo(subscription("t"));
        assertThat(m.memberAssignment()).isEqualTo(assignment(new TopicPartition("t", 1)));
    }

    @Test
    void describeARebalancingGroupHidesMetadata() {
        ctx.stableGroupOfTwo("g");
        ctx.joinNew("g");
        DescribedGroup d = ctx.describe("g");
        assertThat(d.groupState()).isEqualTo("PreparingRebalance");
        assertThat(d.protocolData()).isEmpty();
        assertThat(d.members()).hasSize(3).allSatisfy(m -> {
            assertThat(m.memberMetadata()).isEmpty();
            assertThat(m.memberAssignment()).isEmpty();
        });
    }

    @Test
    void describeAnUnknownGroupDependsOnTheVersion() {
        DescribedGroup v6 = ctx.shard.describeGroup("nope", (short) 6);
        assertThat(v6.groupState()).isEqualTo("Dead");
        assertThat(v6.errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        assertThat(v6.errorMessage()).contains("nope");
        DescribedGroup v5 = ctx.shard.describeGroup("nope", (short) 5);
        assertThat(v5.groupState()).isEqualTo("Dead");
        assertThat(v5.errorCode()).isZero();
        assertThat(v5.members()).isEmpty();
        assertThat(ctx.shard.describeGroup("", (short) 5).errorCode()).isEqualTo(Errors.INVALID_GROUP_ID.code());
    }

    @Test
    void listGroupsWithFilters() {
        ctx.stableGroupOfTwo("stable");
        ctx.commit("simple", -1, "", "t", 0, 1);
        ctx.joinNew("forming");
        ctx.join(joinRequest("connect", "").setProtocolType("connect")
                .setProtocols(protocols("default", new byte[]{1})));

        List<ListedGroup> all = ctx.shard.listGroups(Set.of(), Set.of());
        assertThat(all).extracting(ListedGroup::groupId).containsExactly("connect", "forming", "simple", "stable");
        assertThat(all).extracting(ListedGroup::groupState)
                .containsExactly("Empty", "PreparingRebalance", "Empty", "Stable");
        assertThat(all).extracting(ListedGroup::protocolType).containsExactly("", "consumer", "", "consumer");
        assertThat(all).extracting(ListedGroup::groupType).containsOnly("classic");

        assertThat(ctx.shard.listGroups(Set.of("stable", " EMPTY"), null)).extracting(ListedGroup::groupId)
                .containsExactly("connect", "simple", "stable");
        assertThat(ctx.shard.listGroups(Set.of("Dead"), null)).isEmpty();
        assertThat(ctx.shard.listGroups(null, Set.of("Classic"))).hasSize(4);
        assertThat(ctx.shard.listGroups(null, Set.of("consumer"))).isEmpty();
    }

    @Test
    void deleteAnEmptyGroupWithItsOffsets() {
        emptyGroupWithOffsets("g");
        int before = ctx.sink.log.size();
        List<DeletableGroupResult> results = ctx.run(ctx.shard.deleteGroups(List.of("g"))).join();
        assertThat(results).extracting(DeletableGroupResult::errorCode).containsExactly(Errors.NONE.code());
        // Two offset tombstones and the group's.
        assertThat(ctx.sink.log.subList(before, ctx.sink.log.size())).hasSize(3)
                .allSatisfy(r -> assertThat(r.isTombstone()).isTrue());
        assertThat(ctx.committed("g", "t", 0)).isEqualTo(-1);
        assertThat(ctx.describe("g").errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        assertThat(ctx.shard.listGroups(null, null)).isEmpty();
        assertThat(ctx.shard.liveRecords()).isEmpty();
        // The id is free again.
        CompletableFuture<JoinGroupResponseData> again = ctx.joinNew("g");
        ctx.timer.advance(3000);
        assertThat(again.join().generationId()).isEqualTo(1);
    }

    @Test
    void deleteGroupsReportsEachGroup() {
        ctx.stableGroupOfTwo("busy");
        ctx.commit("simple", -1, "", "t", 0, 1);
        List<DeletableGroupResult> results =
                ctx.run(ctx.shard.deleteGroups(List.of("busy", "nope", "simple", "", "simple"))).join();
        assertThat(results).extracting(DeletableGroupResult::groupId)
                .containsExactly("busy", "nope", "simple", "", "simple");
        assertThat(results).extracting(DeletableGroupResult::errorCode).containsExactly(
                Errors.NON_EMPTY_GROUP.code(), Errors.GROUP_ID_NOT_FOUND.code(), Errors.NONE.code(),
                Errors.INVALID_GROUP_ID.code(), Errors.GROUP_ID_NOT_FOUND.code());
        assertThat(ctx.state("busy")).isEqualTo("Stable");
    }

    @Test
    void aDeletionThatCannotBeWrittenKeepsTheGroup() {
        emptyGroupWithOffsets("g");
        ctx.sink.failNext(new NotLeaderOrFollowerException("moved"));
        List<DeletableGroupResult> results = ctx.run(ctx.shard.deleteGroups(List.of("g"))).join();
        assertThat(results.get(0).errorCode()).isEqualTo(Errors.NOT_COORDINATOR.code());
        assertThat(ctx.state("g")).isEqualTo("Empty");
        assertThat(ctx.committed("g", "t", 1)).isEqualTo(6);
    }

    @Test
    void aGroupBeingDeletedRefusesRequests() {
        emptyGroupWithOffsets("g");
        ctx.sink.hold();
        CompletableFuture<List<DeletableGroupResult>> deleting = ctx.run(ctx.shard.deleteGroups(List.of("g")));
        assertThat(Errors.forCode(ctx.join(joinRequest("g", "")).join().errorCode()))
                .isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(GroupTestContext.commitError(ctx.commit("g", -1, "", "t", 0, 1)))
                .isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        assertThat(ctx.describe("g").groupState()).isEqualTo("Dead");
        ctx.sink.commitHeld();
        assertThat(deleting.join().get(0).errorCode()).isZero();
        assertThat(ctx.describe("g").errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
    }

    @Test
    void deletionCoversCommitsStillBeingWritten() {
        ctx.commit("g", -1, "", "t", 0, 1);
        ctx.sink.hold();
        CompletableFuture<OffsetCommitResponseData> inFlight = ctx.commitFuture("g", -1, "", "t", 9, 2);
        CompletableFuture<List<DeletableGroupResult>> deleting = ctx.run(ctx.shard.deleteGroups(List.of("g")));
        ctx.sink.commitHeld();
        assertThat(GroupTestContext.commitError(inFlight.join())).isEqualTo(Errors.NONE);
        assertThat(deleting.join().get(0).errorCode()).isZero();
        assertThat(ctx.committed("g", "t", 9)).isEqualTo(-1);
        assertThat(ctx.shard.liveRecords()).isEmpty();
        assertThat(ctx.describe("g").errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
    }

    @Test
    void deleteOffsetsOfAnEmptyGroup() {
        emptyGroupWithOffsets("g");
        OffsetDeleteResponseData r = ctx.run(ctx.shard.deleteOffsets(offsetDelete("g", "t", 0, 7))).join();
        assertThat(r.errorCode()).isZero();
        assertThat(partitionErrors(r)).containsExactly((short) 0, (short) 0);
        assertThat(ctx.committed("g", "t", 0)).isEqualTo(-1);
        assertThat(ctx.committed("g", "t", 1)).isEqualTo(6);
        assertThat(ctx.state("g")).isEqualTo("Empty");
    }

    @Test
    void offsetsOfSubscribedTopicsCannotBeDeleted() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        ctx.commit("g", 1, two[0].memberId(), "t", 0, 5);
        ctx.commit("g", 1, two[0].memberId(), "old", 0, 3);
        OffsetDeleteRequestData request = offsetDelete("g", "t", 0);
        request.topics().add(new OffsetDeleteRequestTopic().setName("old")
                .setPartitions(List.of(new OffsetDeleteRequestPartition().setPartitionIndex(0))));
        OffsetDeleteResponseData r = ctx.run(ctx.shard.deleteOffsets(request)).join();
        assertThat(r.errorCode()).isZero();
        assertThat(r.topics().find("t").partitions().find(0).errorCode())
                .isEqualTo(Errors.GROUP_SUBSCRIBED_TO_TOPIC.code());
        assertThat(r.topics().find("old").partitions().find(0).errorCode()).isZero();
        assertThat(ctx.committed("g", "t", 0)).isEqualTo(5);
        assertThat(ctx.committed("g", "old", 0)).isEqualTo(-1);
    }

    @Test
    void deleteOffsetsErrors() {
        assertThat(ctx.run(ctx.shard.deleteOffsets(offsetDelete("nope", "t", 0))).join().errorCode())
                .isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        assertThat(ctx.run(ctx.shard.deleteOffsets(offsetDelete("", "t", 0))).join().errorCode())
                .isEqualTo(Errors.INVALID_GROUP_ID.code());
        // A live group that does not speak the consumer protocol: its topics are unknown.
        CompletableFuture<JoinGroupResponseData> connect = ctx.join(joinRequest("c", "")
                .setProtocolType("connect").setProtocols(protocols("default", new byte[]{1})));
        ctx.join(joinRequest("c", connect.join().memberId()).setProtocolType("connect")
                .setProtocols(protocols("default", new byte[]{1})));
        assertThat(ctx.run(ctx.shard.deleteOffsets(offsetDelete("c", "t", 0))).join().errorCode())
                .isEqualTo(Errors.NON_EMPTY_GROUP.code());

        ctx.commit("s", -1, "", "t", 0, 1);
        OffsetDeleteResponseData r = ctx.run(ctx.shard.deleteOffsets(offsetDelete("s", "t", 0), tp -> false)).join();
        assertThat(partitionErrors(r)).containsExactly(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(ctx.committed("s", "t", 0)).isEqualTo(1);
    }
}
