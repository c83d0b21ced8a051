package io.tributary.wire.handlers;

import io.tributary.replication.metadata.TopicInfo;
import io.tributary.storage.PartitionLog;
import io.tributary.storage.TimestampOffset;
import io.tributary.wire.admin.PartitionAccess;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListOffsetsRequest;

/** ListOffsets: earliest, latest, by timestamp, and the record with the largest timestamp. */
public final class ListOffsetsHandler implements ApiHandler<ListOffsetsRequest> {
    private final PartitionAccess access;

    public ListOffsetsHandler(PartitionAccess access) {
        this.access = access;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_OFFSETS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, ListOffsetsRequest request) {
        ListOffsetsResponseData response = new ListOffsetsResponseData();
        for (ListOffsetsTopic t : request.data().topics()) {
            TopicInfo topic = access.topic(t.name(), null);
            ListOffsetsTopicResponse tr = new ListOffsetsTopicResponse().setName(t.name());
            for (ListOffsetsPartition p : t.partitions()) {
                tr.partitions().add(lookup(access.leader(topic, false, p.partitionIndex(), p.currentLeaderEpoch()), p));
            }
            response.topics().add(tr);
        }
        return CompletableFuture.completedFuture(response);
    }

    private static ListOffsetsPartitionResponse lookup(PartitionAccess.Leader leader, ListOffsetsPartition p) {
        ListOffsetsPartitionResponse r = new ListOffsetsPartitionResponse().setPartitionIndex(p.partitionIndex())
                .setOffset(-1).setTimestamp(-1).setLeaderEpoch(-1);
        if (!leader.ok()) {
            return r.setErrorCode(leader.error().code());
        }
        PartitionLog log = leader.replica().log();
        long ts = p.timestamp();
        try {
            TimestampOffset found;
            if (ts == ListOffsetsRequest.EARLIEST_TIMESTAMP || ts == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
                found = new TimestampOffset(-1, log.logStartOffset());
            } else if (ts == ListOffsetsRequest.LATEST_TIMESTAMP || ts == ListOffsetsRequest.LATEST_TIERED_TIMESTAMP) {
                found = new TimestampOffset(-1, log.logEndOffset());
            } else if (ts == ListOffsetsRequest.MAX_TIMESTAMP) {
                found = log.maxTimestampAndOffset();
            } else if (ts < 0) {
                return r.setErrorCode(Errors.INVALID_REQUEST.code());
            } else {
                found = log.offsetForTimestamp(ts);
            }
            if (found == null) {
                return r;
            }
            int epoch = ts < 0 && ts != ListOffsetsRequest.MAX_TIMESTAMP ? leader.leaderEpoch()
                    : leader.replica().epochs().endOffsetFor(Integer.MAX_VALUE, found.offset() + 1).epoch();
            return r.setOffset(found.offset()).setTimestamp(found.timestamp()).setLeaderEpoch(epoch);
        } catch (IOException e) {
            return r.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
        }
    }
}
