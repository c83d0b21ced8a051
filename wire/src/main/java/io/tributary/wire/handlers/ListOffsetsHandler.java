package io.tributary.wire.handlers;

import io.tributary.replication.metadata.TopicRef;
import io.tributary.replication.partition.PartitionLeader;
import io.tributary.replication.partition.Partitions;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListOffsetsRequest;

/** ListOffsets: earliest, latest, by timestamp, and the record with the largest timestamp. */
public final class ListOffsetsHandler implements ApiHandler<ListOffsetsRequest> {
    private final Partitions partitions;

    public ListOffsetsHandler(Partitions partitions) {
        this.partitions = partitions;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_OFFSETS;
    }

    @Override
    public CompletableFuture<ListOffsetsResponseData> handle(RequestContext context, ListOffsetsRequest request) {
        ListOffsetsResponseData response = new ListOffsetsResponseData();
        IsolationLevel isolation = IsolationLevel.forId(request.data().isolationLevel());
        for (ListOffsetsTopic t : request.data().topics()) {
            ListOffsetsTopicResponse tr = new ListOffsetsTopicResponse().setName(t.name());
            for (ListOffsetsPartition p : t.partitions()) {
                ListOffsetsPartitionResponse r = new ListOffsetsPartitionResponse().setPartitionIndex(p.partitionIndex())
                        .setOffset(-1).setTimestamp(-1).setLeaderEpoch(-1);
                Partitions.Lookup lookup = partitions.leader(TopicRef.byName(t.name()), p.partitionIndex(), p.currentLeaderEpoch());
                if (!lookup.found()) {
                    r.setErrorCode(lookup.error().code());
                } else {
                    list(lookup.leader(), p.timestamp(), isolation, r);
                }
                if (context.apiVersion() < 4) {
                    r.setLeaderEpoch(-1);
                }
                tr.partitions().add(r);
            }
            response.topics().add(tr);
        }
        return CompletableFuture.completedFuture(response);
    }

    private static void list(PartitionLeader leader, long timestamp, IsolationLevel isolation, ListOffsetsPartitionResponse r) {
        try {
            Optional<PartitionLeader.ListedOffset> found;
            if (timestamp == ListOffsetsRequest.EARLIEST_TIMESTAMP || timestamp == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
                found = Optional.of(new PartitionLeader.ListedOffset(-1, leader.logStartOffset(), leader.leaderEpoch()));
            } else if (timestamp == ListOffsetsRequest.LATEST_TIMESTAMP || timestamp == ListOffsetsRequest.LATEST_TIERED_TIMESTAMP) {
                long latest = isolation == IsolationLevel.READ_COMMITTED ? leader.lastStableOffset() : leader.highWatermark();
                found = Optional.of(new PartitionLeader.ListedOffset(-1, latest, leader.leaderEpoch()));
            } else if (timestamp == ListOffsetsRequest.MAX_TIMESTAMP) {
                found = leader.maxTimestamp();
            } else if (timestamp < 0) {
                r.setErrorCode(Errors.INVALID_REQUEST.code());
                return;
            } else {
                // Never an offset a read_committed consumer could not read yet.
                long readable = isolation == IsolationLevel.READ_COMMITTED ? leader.lastStableOffset() : leader.highWatermark();
                found = leader.offsetForTimestamp(timestamp).filter(f -> f.offset() < readable);
            }
            found.ifPresent(f -> r.setOffset(f.offset()).setTimestamp(f.timestamp()).setLeaderEpoch(f.leaderEpoch()));
        } catch (ApiException e) {
            r.setErrorCode(Errors.forException(e).code());
        }
    }
}
