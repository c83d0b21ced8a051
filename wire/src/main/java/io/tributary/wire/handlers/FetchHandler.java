package io.tributary.wire.handlers;

import io.tributary.replication.metadata.TopicRef;
import io.tributary.replication.partition.PartitionLeader;
import io.tributary.replication.partition.Partitions;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import io.tributary.wire.metrics.BrokerMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;

/**
 * Fetch for consumers: each partition is read from its leader up to the high watermark (the last stable
 * offset for read_committed), as slices of segment files sent without copying. When less than
 * {@code min_bytes} is there, the fetch waits for appends (woken by the replica groups, not by polling)
 * until {@code max_wait_ms} passes. Fetch sessions (KIP-227) are not kept: every response carries
 * session id 0, so clients send full fetch requests.
 */
public final class FetchHandler implements ApiHandler<FetchRequest> {
    private final Partitions partitions;
    private final BrokerMetrics metrics;

    public FetchHandler(Partitions partitions, BrokerMetrics metrics) {
        this.partitions = partitions;
        this.metrics = metrics;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.FETCH;
    }

    /** One read of every partition: the response, how many bytes it carries, the partitions it read. */
    private record Attempt(FetchResponseData response, long bytes, boolean failed, List<PartitionLeader> read) {
        boolean enough(FetchRequestData request) {
            return bytes >= request.minBytes() || failed;
        }
    }

    @Override
    public CompletableFuture<FetchResponseData> handle(RequestContext context, FetchRequest request) {
        FetchRequestData data = request.data();
        Attempt first = attempt(data);
        if (first.enough(data) || data.maxWaitMs() <= 0 || first.read().isEmpty()) {
            return CompletableFuture.completedFuture(first.response());
        }
        return FetchWaiter.await(context.executor(), data.maxWaitMs(), onAppend -> partitions.watch(first.read(), onAppend),
                () -> attempt(data), a -> a.enough(data)).thenApply(Attempt::response);
    }

    private Attempt attempt(FetchRequestData request) {
        FetchResponseData response = new FetchResponseData();
        IsolationLevel isolation = IsolationLevel.forId(request.isolationLevel());
        long remaining = request.maxBytes();
        long total = 0;
        boolean failed = false;
        List<PartitionLeader> read = new ArrayList<>();
        for (FetchRequestData.FetchTopic t : request.topics()) {
            FetchResponseData.FetchableTopicResponse topicResponse = new FetchResponseData.FetchableTopicResponse()
                    .setTopic(t.topic()).setTopicId(t.topicId() == null ? Uuid.ZERO_UUID : t.topicId());
            response.responses().add(topicResponse);
            for (FetchRequestData.FetchPartition p : t.partitions()) {
                FetchResponseData.PartitionData pd = new FetchResponseData.PartitionData().setPartitionIndex(p.partition())
                        .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1).setRecords(MemoryRecords.EMPTY);
                topicResponse.partitions().add(pd);
                Partitions.Lookup lookup = partitions.leader(new TopicRef(t.topic(), t.topicId()), p.partition(),
                        p.currentLeaderEpoch());
                if (!lookup.found()) {
                    pd.setErrorCode(lookup.error().code());
                    failed = true;
                    continue;
                }
                PartitionLeader leader = lookup.leader();
                read.add(leader);
                pd.setHighWatermark(leader.highWatermark()).setLastStableOffset(leader.lastStableOffset())
                        .setLogStartOffset(leader.logStartOffset());
                if (isolation == IsolationLevel.READ_COMMITTED) {
                    pd.setAbortedTransactions(new ArrayList<>());
                }
                int limit = (int) Math.min(p.partitionMaxBytes(), remaining);
                if (limit <= 0 && total > 0) {
                    continue;
                }
                try {
                    PartitionLeader.Read data = leader.read(p.fetchOffset(), Math.max(limit, 0), total == 0, isolation);
                    pd.setHighWatermark(data.highWatermark()).setLastStableOffset(data.lastStableOffset())
                            .setLogStartOffset(data.logStartOffset());
                    if (data.abortedTransactions() != null) {
                        for (PartitionLeader.AbortedTransaction txn : data.abortedTransactions()) {
                            pd.abortedTransactions().add(new FetchResponseData.AbortedTransaction()
                                    .setProducerId(txn.producerId()).setFirstOffset(txn.firstOffset()));
                        }
                    }
                    if (!data.records().isEmpty()) {
                        pd.setRecords(data.records());
                        total += data.records().sizeInBytes();
                        remaining -= data.records().sizeInBytes();
                        metrics.bytesOut(leader.topic()).mark(data.records().sizeInBytes());
                    }
                } catch (ApiException e) {
                    pd.setErrorCode(Errors.forException(e).code());
                    failed = true;
                }
            }
        }
        if (failed) {
            metrics.fetchErrors().mark();
        }
        return new Attempt(response, total, failed, read);
    }
}
