package io.tributary.coordinator.group;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import static io.tributary.coordinator.group.GroupTestContext.commitError;
import static io.tributary.coordinator.group.GroupTestContext.joinRequest;
import static org.assertj.core.api.Assertions.assertThat;

class OffsetsTest {
    private final GroupTestContext ctx = new GroupTestContext();

    private static OffsetCommitRequestPartition partition(int index, long offset, String metadata) {
        return new OffsetCommitRequestPartition().setPartitionIndex(index).setCommittedOffset(offset)
                .setCommittedMetadata(metadata);
    }

    private static OffsetCommitRequestData simpleCommit(String group, OffsetCommitRequestTopic... topics) {
        return new OffsetCommitRequestData().setGroupId(group).setGenerationIdOrMemberEpoch(-1).setMemberId("")
                .setTopics(List.of(topics));
    }

    private static List<Short> errors(OffsetCommitResponseData r) {
        return r.topics().stream().flatMap(t -> t.partitions().stream())
                .map(OffsetCommitResponsePartition::errorCode).toList();
    }

    @Test
    void membersCommitAndFetch() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        assertThat(commitError(ctx.commit("g", 1, two[0].memberId(), "t", 0, 42))).isEqualTo(Errors.NONE);
        OffsetFetchResponsePartitions p = GroupTestContext.committedPartition(ctx.shard, "g", "t", 0);
        assertThat(p.committedOffset()).isEqualTo(42);
        assertThat(p.committedLeaderEpoch()).isEqualTo(1);
        assertThat(p.metadata()).isEqualTo("m");
        assertThat(p.errorCode()).isZero();
        assertThat(ctx.committed("g", "t", 1)).isEqualTo(-1);
        GroupRecords.OffsetValue stored = GroupRecords.decodeOffsetValue(
                ctx.sink.log.get(ctx.sink.log.size() - 1).value());
        assertThat(stored.commitTimestamp()).isEqualTo(ctx.timer.getAsLong());
        assertThat(stored.expireTimestamp()).isEqualTo(-1);
    }

    @Test
    void simpleConsumerCommitsCreateAnEmptyGroup() {
        assertThat(commitError(ctx.commit("solo", -1, "", "t", 3, 7))).isEqualTo(Errors.NONE);
        assertThat(ctx.committed("solo", "t", 3)).isEqualTo(7);
        assertThat(ctx.state("solo")).isEqualTo("Empty");
        assertThat(ctx.describe("solo").protocolType()).isEmpty();
        assertThat(ctx.shard.listGroups(null, null)).extracting(g -> g.groupId()).containsExactly("solo");
        // It stays a simple group: later commits work too, and a consumer group may take it over.
        assertThat(commitError(ctx.commit("solo", -1, "", "t", 3, 8))).isEqualTo(Errors.NONE);
        assertThat(ctx.committed("solo", "t", 3)).isEqualTo(8);
        CompletableFuture<JoinGroupResponseData> member = ctx.joinNew("solo");
        ctx.timer.advance(3000);
        assertThat(member.join().generationId()).isEqualTo(1);
    }

    @Test
    void commitsWithoutAGenerationAreRefusedByALiveGroup() {
        ctx.stableGroupOfTwo("g");
        assertThat(commitError(ctx.commit("g", -1, "", "t", 0, 1))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(ctx.committed("g", "t", 0)).isEqualTo(-1);
    }

    @Test
    void generationAndMemberAreChecked() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        assertThat(commitError(ctx.commit("g", 0, two[0].memberId(), "t", 0, 1))).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(commitError(ctx.commit("g", 1, "stranger", "t", 0, 1))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(commitError(ctx.commit("other", 3, "m", "t", 0, 1))).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
        OffsetCommitResponseData v8 = ctx.run(ctx.shard.commitOffsets(new OffsetCommitRequestData().setGroupId("other")
                .setGenerationIdOrMemberEpoch(3).setMemberId("m").setTopics(List.of(new OffsetCommitRequestTopic()
                        .setName("t").setPartitions(List.of(partition(0, 1, null))))), (short) 8)).join();
        assertThat(commitError(v8)).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(ctx.describe("other").errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
        assertThat(commitError(ctx.commit("", -1, "", "t", 0, 1))).isEqualTo(Errors.INVALID_GROUP_ID);
    }

    @Test
    void commitsBetweenJoinAndAssignmentMustWait() {
        CompletableFuture<JoinGroupResponseData> a = ctx.joinNew("g");
        ctx.timer.advance(3000);
        assertThat(commitError(ctx.commit("g", 1, a.join().memberId(), "t", 0, 1)))
                .isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    }

    @Test
    void membersMayCommitWhileRebalancing() {
        JoinGroupResponseData[] two = ctx.stableGroupOfTwo("g");
        ctx.joinNew("g");
        assertThat(ctx.state("g")).isEqualTo("PreparingRebalance");
        assertThat(commitError(ctx.commit("g", 1, two[1].memberId(), "t", 1, 9))).isEqualTo(Errors.NONE);
        assertThat(ctx.committed("g", "t", 1)).isEqualTo(9);
    }

    @Test
    void oversizedMetadataFailsOnlyItsPartition() {
        String big = "x".repeat(4097);
        OffsetCommitResponseData r = ctx.run(ctx.shard.commitOffsets(simpleCommit("g", new OffsetCommitRequestTopic()
                .setName("t").setPartitions(List.of(partition(0, 10, big), partition(1, 11, "x".repeat(4096))))),
                (short) 9)).join();
        assertThat(errors(r)).containsExactly(Errors.OFFSET_METADATA_TOO_LARGE.code(), Errors.NONE.code());
        assertThat(ctx.committed("g", "t", 0)).isEqualTo(-1);
        assertThat(ctx.committed("g", "t", 1)).isEqualTo(11);
    }

    @Test
    void unknownPartitionsAreReportedByThePredicateAndNotWritten() {
        OffsetCommitRequestData request = simpleCommit("g",
                new OffsetCommitRequestTopic().setName("t").setPartitions(List.of(partition(0, 1, ""), partition(5, 1, ""))),
                new OffsetCommitRequestTopic().setName("gone").setPartitions(List.of(partition(0, 1, ""))));
        OffsetCommitResponseData r = ctx.run(ctx.shard.commitOffsets(request, (short) 9,
                tp -> tp.topic().equals("t") && tp.partition() < 3)).join();
        assertThat(r.topics()).extracting(t -> t.name()).containsExactly("t", "gone");
        assertThat(errors(r)).containsExactly(Errors.NONE.code(), Errors.UNKNOWN_TOPIC_OR_PARTITION.code(),
                Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(ctx.committed("g", "gone", 0)).isEqualTo(-1);

        // When nothing exists, the group is not even looked at, let alone created.
        OffsetCommitResponseData none = ctx.run(ctx.shard.commitOffsets(simpleCommit("h",
                new OffsetCommitRequestTopic().setName("gone").setPartitions(List.of(partition(0, 1, "")))),
                (short) 9, tp -> false)).join();
        assertThat(errors(none)).containsExactly(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        assertThat(ctx.describe("h").errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
    }

    @Test
    void version10CommitsByTopicIdResolvedByTheCaller() {
        Uuid known = Uuid.randomUuid();
        Uuid unknown = Uuid.randomUuid();
        OffsetCommitRequestData request = simpleCommit("g",
                new OffsetCommitRequestTopic().setTopicId(known).setName("t").setPartitions(List.of(partition(0, 5, ""))),
                new OffsetCommitRequestTopic().setTopicId(unknown).setPartitions(List.of(partition(0, 5, ""))));
        OffsetCommitResponseData r = ctx.run(ctx.shard.commitOffsets(request, (short) 10, tp -> !tp.topic().isEmpty())).join();
        assertThat(r.topics().get(0).topicId()).isEqualTo(known);
        assertThat(r.topics().get(1).topicId()).isEqualTo(unknown);
        assertThat(errors(r)).containsExactly(Errors.NONE.code(), Errors.UNKNOWN_TOPIC_ID.code());
        assertThat(ctx.committed("g", "t", 0)).isEqualTo(5);
    }

    @Test
    void offsetsAreVisibleOnlyOnceWritten() {
        ctx.sink.hold();
        CompletableFuture<OffsetCommitResponseData> pending = ctx.commitFuture("g", -1, "", "t", 0, 5);
        assertThat(pending).isNotDone();
        assertThat(ctx.committed("g", "t", 0)).isEqualTo(-1);
        ctx.sink.commitHeld();
        assertThat(commitError(pending.join())).isEqualTo(Errors.NONE);
        assertThat(ctx.committed("g", "t", 0)).isEqualTo(5);
    }

    @Test
    void failedWritesAreReportedAsKafkaDoes() {
        ctx.sink.failNext(new NotLeaderOrFollowerException("moved"));
        assertThat(commitError(ctx.commit("g", -1, "", "t", 0, 5))).isEqualTo(Errors.NOT_COORDINATOR);
        ctx.sink.failNext(new NotEnoughReplicasException("few"));
        assertThat(commitError(ctx.commit("g", -1, "", "t", 0, 5))).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
        ctx.sink.failNext(new RecordTooLargeException("big"));
        assertThat(commitError(ctx.commit("g", -1, "", "t", 0, 5))).isEqualTo(Errors.UNKNOWN_SERVER_ERROR);
        ctx.sink.failNext(new IllegalStateException("bug"));
        assertThat(commitError(ctx.commit("g", -1, "", "t", 0, 5))).isEqualTo(Errors.UNKNOWN_SERVER_ERROR);
        assertThat(ctx.committed("g", "t", 0)).isEqualTo(-1);
        assertThat(ctx.describe("g").errorCode()).isEqualTo(Errors.GROUP_ID_NOT_FOUND.code());
    }

    @Test
    void fetchAllTopicsAndUnknownGroups() {
        ctx.commit("g", -1, "", "b", 1, 11);
        ctx.commit("g", -1, "", "a", 0, 10);
        ctx.commit("g", -1, "", "b", 0, 12);
        OffsetFetchResponseGroup all = ctx.shard.fetchOffsets("g", null, true);
        assertThat(all.groupId()).isEqualTo("g");
        assertThat(all.errorCode()).isZero();
        assertThat(all.topics()).extracting(OffsetFetchResponseTopics::name).containsExactly("a", "b");
        assertThat(all.topics().get(1).partitions()).extracting(OffsetFetchResponsePartitions::committedOffset)
                .containsExactly(12L, 11L);

        assertThat(ctx.shard.fetchOffsets("nope", null, false).topics()).isEmpty();
        OffsetFetchResponseGroup some = ctx.shard.fetchOffsets("nope", List.of(new OffsetFetchRequestTopics()
                .setName("a").setPartitionIndexes(List.of(0, 1))), false);
        assertThat(some.errorCode()).isZero();
        assertThat(some.topics().get(0).partitions()).allSatisfy(p -> {
            assertThat(p.committedOffset()).isEqualTo(-1);
            assertThat(p.committedLeaderEpoch()).isEqualTo(-1);
            assertThat(p.metadata()).isEmpty();
        });
        assertThat(ctx.shard.fetchOffsets("", null, false).errorCode()).isEqualTo(Errors.INVALID_GROUP_ID.code());
    }

    @Test
    void commitRetentionOfOldVersionsIsKept() {
        OffsetCommitRequestData request = simpleCommit("g", new OffsetCommitRequestTopic().setName("t")
                .setPartitions(List.of(partition(0, 1, "")))).setRetentionTimeMs(60_000);
        ctx.run(ctx.shard.commitOffsets(request, (short) 2)).join();
        GroupRecords.OffsetValue stored = GroupRecords.decodeOffsetValue(
                ctx.sink.log.get(ctx.sink.log.size() - 1).value());
        assertThat(stored.expireTimestamp()).isEqualTo(ctx.timer.getAsLong() + 60_000);
        assertThat(stored.leaderEpoch()).isEqualTo(-1);
    }

    @Test
    void partitionIndexesAreKeptApart() {
        ctx.commit("g", -1, "", "t", 0, 1);
        ctx.commit("g", -1, "", "t", 1, 2);
        ctx.commit("g", -1, "", "u", 0, 3);
        ctx.commit("h", -1, "", "t", 0, 4);
        assertThat(ctx.committed("g", "t", 0)).isEqualTo(1);
        assertThat(ctx.committed("g", "t", 1)).isEqualTo(2);
        assertThat(ctx.committed("g", "u", 0)).isEqualTo(3);
        assertThat(ctx.committed("h", "t", 0)).isEqualTo(4);
    }
}
