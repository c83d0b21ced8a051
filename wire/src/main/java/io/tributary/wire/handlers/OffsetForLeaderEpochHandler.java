package io.tributary.wire.handlers;

import io.tributary.replication.replica.LeaderEpochCache;
import io.tributary.wire.admin.PartitionAccess;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;

/** OffsetForLeaderEpoch: where an epoch's log ended, for consumers validating their position. */
public final class OffsetForLeaderEpochHandler implements ApiHandler<OffsetsForLeaderEpochRequest> {
    private final PartitionAccess access;

    public OffsetForLeaderEpochHandler(PartitionAccess access) {
        this.access = access;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_FOR_LEADER_EPOCH;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, OffsetsForLeaderEpochRequest request) {
        OffsetForLeaderEpochResponseData response = new OffsetForLeaderEpochResponseData();
        for (OffsetForLeaderTopic t : request.data().topics()) {
            OffsetForLeaderTopicResult tr = new OffsetForLeaderTopicResult().setTopic(t.topic());
            for (OffsetForLeaderPartition p : t.partitions()) {
                PartitionAccess.Leader leader = access.leader(access.topic(t.topic(), null), false, p.partition(), p.currentLeaderEpoch());
                EpochEndOffset r = new EpochEndOffset().setPartition(p.partition()).setLeaderEpoch(-1).setEndOffset(-1);
                if (!leader.ok()) {
                    r.setErrorCode(leader.error().code());
                } else {
                    LeaderEpochCache.EpochEnd end = leader.replica().epochs().endOffsetFor(p.leaderEpoch(),
                            leader.replica().log().logEndOffset());
                    r.setLeaderEpoch(end.epoch()).setEndOffset(end.endOffset());
                }
                tr.partitions().add(r);
            }
            response.topics().add(tr);
        }
        return CompletableFuture.completedFuture(response);
    }
}
