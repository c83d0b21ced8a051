package io.tributary.wire.handlers;

import io.tributary.replication.Partitions;
import io.tributary.replication.replica.PartitionKey;
import io.tributary.replication.replica.PartitionResult;
import io.tributary.wire.admin.PartitionAccess;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.ratis.protocol.RaftGroupId;

/** DeleteRecords: moves log start offsets forward through each replica group's log (-1: to the end). */
public final class DeleteRecordsHandler implements ApiHandler<DeleteRecordsRequest> {
    private final PartitionAccess access;
    private final Partitions partitions;

    public DeleteRecordsHandler(PartitionAccess access, Partitions partitions) {
        this.access = access;
        this.partitions = partitions;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DELETE_RECORDS;
    }

    private record Share(List<PartitionKey> keys, List<Long> offsets, List<DeleteRecordsPartitionResult> results) {
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DeleteRecordsRequest request) {
        DeleteRecordsResponseData response = new DeleteRecordsResponseData();
        Map<RaftGroupId, Share> shares = new LinkedHashMap<>();
        for (DeleteRecordsTopic t : request.data().topics()) {
            DeleteRecordsTopicResult tr = new DeleteRecordsTopicResult().setName(t.name());
            response.topics().add(tr);
            for (DeleteRecordsPartition p : t.partitions()) {
                DeleteRecordsPartitionResult r = new DeleteRecordsPartitionResult().setPartitionIndex(p.partitionIndex()).setLowWatermark(-1);
                tr.partitions().add(r);
                PartitionAccess.Leader leader = access.leader(access.topic(t.name(), null), false, p.partitionIndex(), -1);
                if (!leader.ok()) {
                    r.setErrorCode(leader.error().code());
                    continue;
                }
                Partitions.Location loc = partitions.locate(t.name(), p.partitionIndex()).orElseThrow();
                Share share = shares.computeIfAbsent(loc.raftGroup(), g -> new Share(new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
                share.keys().add(loc.key());
                share.offsets().add(p.offset());
                share.results().add(r);
            }
        }
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        shares.forEach((group, share) -> pending.add(partitions.deleteRecords(group, share.keys(), share.offsets())
                .handle((results, error) -> {
                    for (int i = 0; i < share.results().size(); i++) {
                        PartitionResult pr = error == null ? results.get(i) : PartitionResult.error(Errors.NOT_LEADER_OR_FOLLOWER, null);
                        share.results().get(i).setErrorCode(pr.error().code()).setLowWatermark(pr.offset());
                    }
                    return null;
                })));
        return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(v -> response);
    }
}
