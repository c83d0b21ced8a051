package io.tributary.wire.fetch;

import io.tributary.replication.Partitions;
import io.tributary.replication.replica.PartitionKey;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.storage.FileSlice;
import io.tributary.storage.OffsetOutOfRangeException;
import io.tributary.storage.PartitionLog;
import io.tributary.wire.admin.PartitionAccess;
import io.tributary.wire.metrics.BrokerMetrics;
import io.tributary.wire.server.SliceRecords;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * The fetch path: reads each partition from its log up to the high watermark (or the last stable
 * offset for read_committed), as slices of segment files sent without copying. When less than
 * {@code min_bytes} is there, waits for appends (woken by the replica groups, not by polling) until
 * {@code max_wait_ms} passes.
 */
public final class FetchService {
    private final PartitionAccess access;
    private final Partitions partitions;
    private final BrokerMetrics metrics;

    public FetchService(PartitionAccess access, Partitions partitions, BrokerMetrics metrics) {
        this.access = access;
        this.partitions = partitions;
        this.metrics = metrics;
    }

    /** One read pass: the response, how many bytes it carries, and the partitions it looked at. */
    private record Attempt(FetchResponseData response, long bytes, boolean failed, List<PartitionKey> keys) {
    }

    public CompletableFuture<FetchResponseData> fetch(FetchRequestData request, ScheduledExecutorService loop) {
        Attempt first = attempt(request);
        if (first.bytes() >= request.minBytes() || request.maxWaitMs() <= 0 || first.failed() || first.keys().isEmpty()) {
            return CompletableFuture.completedFuture(first.response());
        }
        CompletableFuture<FetchResponseData> result = new CompletableFuture<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(request.maxWaitMs());
        new Waiter(request, loop, first.keys(), deadline, result).arm();
        return result;
    }

    /** A fetch waiting for data: re-reads on every append to its partitions until enough, or time is up. */
    private final class Waiter {
        private final FetchRequestData request;
        private final ScheduledExecutorService loop;
        private final List<PartitionKey> keys;
        private final long deadline;
        private final CompletableFuture<FetchResponseData> result;
        private final AtomicBoolean finished = new AtomicBoolean();
        private ScheduledFuture<?> timer;

        Waiter(FetchRequestData request, ScheduledExecutorService loop, List<PartitionKey> keys, long deadline,
               CompletableFuture<FetchResponseData> result) {
            this.request = request;
            this.loop = loop;
            this.keys = keys;
            this.deadline = deadline;
            this.result = result;
        }

        void arm() {
            var watch = partitions.watch(keys, () -> loop.execute(this::retry));
            timer = loop.schedule(() -> {
                watch.cancel();
                finish(attempt(request).response());
            }, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }

        private void retry() {
            if (finished.get()) {
                return;
            }
            Attempt again = attempt(request);
            if (again.bytes() >= request.minBytes() || again.failed() || System.nanoTime() >= deadline) {
                timer.cancel(false);
                finish(again.response());
            } else {
                timer.cancel(false);
                arm();
            }
        }

        private void finish(FetchResponseData response) {
            if (finished.compareAndSet(false, true)) {
                result.complete(response);
            }
        }
    }

    private Attempt attempt(FetchRequestData request) {
        FetchResponseData response = new FetchResponseData();
        boolean readCommitted = request.isolationLevel() == 1;
        long remaining = request.maxBytes();
        long total = 0;
        boolean failed = false;
        List<PartitionKey> keys = new ArrayList<>();
        for (FetchRequestData.FetchTopic t : request.topics()) {
            boolean byId = t.topic() == null || t.topic().isEmpty();
            TopicInfo topic = access.topic(t.topic(), t.topicId());
            FetchResponseData.FetchableTopicResponse topicResponse = new FetchResponseData.FetchableTopicResponse()
                    .setTopic(t.topic()).setTopicId(t.topicId() == null ? Uuid.ZERO_UUID : t.topicId());
            response.responses().add(topicResponse);
            for (FetchRequestData.FetchPartition p : t.partitions()) {
                FetchResponseData.PartitionData pd = new FetchResponseData.PartitionData().setPartitionIndex(p.partition())
                        .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1).setRecords(MemoryRecords.EMPTY);
                topicResponse.partitions().add(pd);
                PartitionAccess.Leader leader = access.leader(topic, byId, p.partition(), p.currentLeaderEpoch());
                if (!leader.ok()) {
                    pd.setErrorCode(leader.error().code());
                    failed = true;
                    continue;
                }
                keys.add(leader.replica().key());
                PartitionLog log = leader.replica().log();
                long highWatermark = log.logEndOffset();
                pd.setHighWatermark(highWatermark).setLastStableOffset(highWatermark).setLogStartOffset(log.logStartOffset());
                if (readCommitted) {
                    pd.setAbortedTransactions(new ArrayList<>());
                }
                int limit = (int) Math.min(p.partitionMaxBytes(), remaining);
                if (limit <= 0 && total > 0) {
                    continue;
                }
                try {
                    FileSlice slice = log.read(p.fetchOffset(), Math.max(limit, 0), highWatermark, total == 0);
                    if (!slice.isEmpty()) {
                        pd.setRecords(new SliceRecords(slice));
                        total += slice.size();
                        remaining -= slice.size();
                        metrics.bytesOut(leader.topic()).mark(slice.size());
                    }
                } catch (OffsetOutOfRangeException e) {
                    pd.setErrorCode(Errors.OFFSET_OUT_OF_RANGE.code());
                    failed = true;
                } catch (IOException e) {
                    pd.setErrorCode(Errors.KAFKA_STORAGE_ERROR.code());
                    failed = true;
                }
            }
        }
        if (failed) {
            metrics.fetchErrors().mark();
        }
        return new Attempt(response, total, failed, keys);
    }
}
