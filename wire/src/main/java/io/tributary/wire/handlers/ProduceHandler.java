package io.tributary.wire.handlers;

import io.tributary.replication.metadata.TopicRef;
import io.tributary.replication.partition.AppendOrigin;
import io.tributary.replication.partition.AppendResult;
import io.tributary.replication.partition.Partitions;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import io.tributary.wire.metrics.BrokerMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.BatchIndexAndErrorMessage;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.ProduceRequest;

/**
 * Produce: every partition's batch is validated on this leader and appended through Raft, one entry per
 * replica group. acks=1 and acks=all both answer once the entries are committed and applied (the
 * leader's own write is the commit); acks=0 is never answered.
 */
public final class ProduceHandler implements ApiHandler<ProduceRequest> {
    private final Partitions partitions;
    private final BrokerMetrics metrics;

    public ProduceHandler(Partitions partitions, BrokerMetrics metrics) {
        this.partitions = partitions;
        this.metrics = metrics;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.PRODUCE;
    }

    /** Version 0 is listed although only 3 and later are served: librdkafka checks for it (KAFKA-18659). */
    @Override
    public short advertisedMinVersion() {
        return 0;
    }

    @Override
    public CompletableFuture<ProduceResponseData> handle(RequestContext context, ProduceRequest request) {
        ProduceRequestData data = request.data();
        ProduceResponseData response = new ProduceResponseData();
        List<Partitions.Write> writes = new ArrayList<>();
        List<PartitionProduceResponse> written = new ArrayList<>();
        for (ProduceRequestData.TopicProduceData t : data.topicData()) {
            TopicProduceResponse topicResponse = new TopicProduceResponse().setName(t.name()).setTopicId(t.topicId());
            response.responses().add(topicResponse);
            for (ProduceRequestData.PartitionProduceData p : t.partitionData()) {
                PartitionProduceResponse pr = new PartitionProduceResponse().setIndex(p.index()).setBaseOffset(-1)
                        .setLogAppendTimeMs(-1).setLogStartOffset(-1);
                topicResponse.partitionResponses().add(pr);
                Partitions.Lookup lookup = partitions.leader(new TopicRef(t.name(), t.topicId()), p.index(), -1);
                if (!lookup.found()) {
                    fail(pr, lookup.error(), null);
                    continue;
                }
                writes.add(new Partitions.Write(lookup.leader(), (MemoryRecords) p.records()));
                written.add(pr);
            }
        }
        CompletableFuture<ProduceResponseData> answer = partitions.append(writes, AppendOrigin.CLIENT, data.acks(),
                Math.max(1, data.timeoutMs())).thenApply(results -> {
                    for (int i = 0; i < results.size(); i++) {
                        fill(written.get(i), writes.get(i), results.get(i));
                    }
                    return response;
                });
        return data.acks() == 0 ? CompletableFuture.completedFuture(null) : answer;
    }

    private void fill(PartitionProduceResponse pr, Partitions.Write write, AppendResult result) {
        if (result.error() != Errors.NONE) {
            fail(pr, result.error(), result.message());
            for (var e : result.recordErrors()) {
                pr.recordErrors().add(new BatchIndexAndErrorMessage().setBatchIndex(e.batchIndex()).setBatchIndexErrorMessage(e.message()));
            }
            return;
        }
        metrics.bytesIn(write.partition().topic()).mark(write.records().sizeInBytes());
        pr.setBaseOffset(result.baseOffset()).setLogAppendTimeMs(result.logAppendTime()).setLogStartOffset(result.logStartOffset());
    }

    private void fail(PartitionProduceResponse pr, Errors error, String message) {
        metrics.produceErrors().mark();
        pr.setErrorCode(error.code()).setErrorMessage(message);
    }
}
