package io.tributary.wire.handlers;

import io.tributary.replication.metadata.TopicRef;
import io.tributary.replication.partition.Partitions;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.DeleteRecordsRequest;

/** DeleteRecords: moves log start offsets forward through each replica group's log (-1: to the high watermark). */
public final class DeleteRecordsHandler implements ApiHandler<DeleteRecordsRequest> {
    private final Partitions partitions;

    public DeleteRecordsHandler(Partitions partitions) {
        this.partitions = partitions;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DELETE_RECORDS;
    }

    @Override
    public CompletableFuture<DeleteRecordsResponseData> handle(RequestContext context, DeleteRecordsRequest request) {
        DeleteRecordsResponseData response = new DeleteRecordsResponseData();
        List<Partitions.Deletion> deletions = new ArrayList<>();
        List<DeleteRecordsPartitionResult> pending = new ArrayList<>();
        for (DeleteRecordsTopic t : request.data().topics()) {
            DeleteRecordsTopicResult tr = new DeleteRecordsTopicResult().setName(t.name());
            response.topics().add(tr);
            for (DeleteRecordsPartition p : t.partitions()) {
                DeleteRecordsPartitionResult r = new DeleteRecordsPartitionResult().setPartitionIndex(p.partitionIndex()).setLowWatermark(-1);
                tr.partitions().add(r);
                Partitions.Lookup lookup = partitions.leader(TopicRef.byName(t.name()), p.partitionIndex(), -1);
                if (!lookup.found()) {
                    r.setErrorCode(lookup.error().code());
                    continue;
                }
                deletions.add(new Partitions.Deletion(lookup.leader(), p.offset()));
                pending.add(r);
            }
        }
        return partitions.deleteRecords(deletions, Math.max(1, request.data().timeoutMs())).thenApply(results -> {
            for (int i = 0; i < results.size(); i++) {
                pending.get(i).setErrorCode(results.get(i).error().code()).setLowWatermark(results.get(i).lowWatermark());
            }
            return response;
        });
    }
}
