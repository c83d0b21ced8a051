package io.tributary.coordinator.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** Offsets committed in a producer's transaction: pending until its marker, checked against the group's members. */
class TransactionalOffsetsTest {
    private static final long PRODUCER = 42;

    private final GroupTestContext ctx = new GroupTestContext();

    private static TxnOffsetCommitRequestData commit(String group, int generation, String memberId, long offset) {
        return new TxnOffsetCommitRequestData().setTransactionalId("app").setGroupId(group).setProducerId(PRODUCER)
                .setProducerEpoch((short) 0).setGenerationIdOrMemberEpoch(generation).setMemberId(memberId)
                .setTopics(List.of(new TxnOffsetCommitRequestTopic().setName("t").setPartitions(List.of(
                        new TxnOffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(offset)
                                .setCommittedLeaderEpoch(-1).setCommittedMetadata("")))));
    }

    private Errors txnCommit(TxnOffsetCommitRequestData request) {
        TxnOffsetCommitResponseData response = ctx.sink.run(ctx.shard.txnCommitOffsets(request, tp -> true), PRODUCER).join();
        return Errors.forCode(response.topics().get(0).partitions().get(0).errorCode());
    }

    private OffsetFetchResponsePartitions fetch(String group, boolean requireStable) {
        return ctx.shard.fetchOffsets(group, List.of(new OffsetFetchRequestTopics().setName("t")
                .setPartitionIndexes(List.of(0))), requireStable).topics().get(0).partitions().get(0);
    }

    @Test
    void offsetsTakeEffectWithTheCommitMarkerAndStableReadsWaitForIt() {
        JoinGroupResponseData[] members = ctx.stableGroupOfTwo("g");
        assertThat(txnCommit(commit("g", members[0].generationId(), members[0].memberId(), 7))).isEqualTo(Errors.NONE);

        assertThat(fetch("g", false).committedOffset()).isEqualTo(-1);
        assertThat(Errors.forCode(fetch("g", true).errorCode())).isEqualTo(Errors.UNSTABLE_OFFSET_COMMIT);

        ctx.shard.replayMarker(PRODUCER, true);
        assertThat(fetch("g", true).committedOffset()).isEqualTo(7);
        assertThat(fetch("g", true).errorCode()).isZero();
    }

    @Test
    void anAbortDropsThem() {
        assertThat(txnCommit(commit("solo", -1, "", 5))).isEqualTo(Errors.NONE);
        ctx.shard.replayMarker(PRODUCER, false);
        assertThat(fetch("solo", true).committedOffset()).isEqualTo(-1);
        assertThat(fetch("solo", true).errorCode()).isZero();
        ctx.shard.replayMarker(PRODUCER, true);
        assertThat(fetch("solo", true).committedOffset()).as("a marker sent again commits nothing").isEqualTo(-1);
    }

    @Test
    void staleMembersAreFencedButARebalanceDoesNotStopATransaction() {
        JoinGroupResponseData[] members = ctx.stableGroupOfTwo("g");
        int generation = members[0].generationId();
        assertThat(txnCommit(commit("g", generation - 1, members[0].memberId(), 1))).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(txnCommit(commit("g", generation, "gone", 1))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
        assertThat(txnCommit(commit("nobody", 3, "m", 1))).isEqualTo(Errors.ILLEGAL_GENERATION);
        assertThat(txnCommit(commit("g", -1, "", 1))).as("versions 0-2 name no member").isEqualTo(Errors.NONE);

        CompletableFuture<JoinGroupResponseData> newcomer = ctx.joinNew("g");
        assertThat(ctx.state("g")).isEqualTo("PreparingRebalance");
        assertThat(txnCommit(commit("g", generation, members[1].memberId(), 2))).isEqualTo(Errors.NONE);
        assertThat(newcomer).isNotDone();
    }
}
