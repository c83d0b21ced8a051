package io.tributary.wire.handlers;

import io.tributary.replication.metadata.TopicRef;
import io.tributary.replication.partition.AppendOrigin;
import io.tributary.replication.partition.AppendResult;
import io.tributary.replication.partition.PartitionLeader;
import io.tributary.replication.partition.Partitions;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import io.tributary.wire.metrics.BrokerMetrics;
import io.tributary.wire.txn.TxnVerifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.BatchIndexAndErrorMessage;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.ProduceRequest;

/**
 * Produce: every partition's batch is validated on this leader and appended through Raft, one entry per
 * replica group. acks=1 and acks=all both answer once the entries are committed and applied (the
 * leader's own write is the commit); acks=0 is never answered. A batch for a partition whose leader was
 * just elected here waits the moment until that leader is ready (see {@link #lookUpOnceReady}).
 *
 * <p>A producer's transactional batch to a partition where its transaction is not open yet is first
 * confirmed with its transaction coordinator (KIP-890), which from version 12 on (transaction protocol
 * version 2) adds the partition to the transaction. Up to version 11 it carries what the partition
 * looked like then, so that a marker that comes in between makes it fail instead of opening a
 * transaction nobody will end; from version 12 on its epoch, which every transaction has its own of,
 * does that.
 */
public final class ProduceHandler implements ApiHandler<ProduceRequest> {
    /** How long a batch waits for a leader just elected here to be ready, before it is refused NOT_LEADER_OR_FOLLOWER. */
    private static final long LEADER_READY_WAIT_MS = 3_000;
    private static final long LEADER_READY_POLL_MS = 5;

    private final Partitions partitions;
    private final TxnVerifier verifier;
    private final BrokerMetrics metrics;

    public ProduceHandler(Partitions partitions, TxnVerifier verifier, BrokerMetrics metrics) {
        this.partitions = partitions;
        this.verifier = verifier;
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
        List<Integer> unverified = new ArrayList<>();
        CompletableFuture<Map<Integer, Errors>> confirmed = lookUpOnceReady(data, context.executor()).thenCompose(lookups -> {
            collect(data, lookups, context.apiVersion(), response, writes, written, unverified);
            return verifier.confirm(data.transactionalId(), writes, unverified, context.apiVersion());
        });
        // Appended in request order: a batch waiting for its leader or coordinator holds back the connection's later ones.
        CompletableFuture<ProduceResponseData> answer = context.order().start(confirmed, refused -> {
            List<Partitions.Write> accepted = new ArrayList<>();
            List<Integer> acceptedAt = new ArrayList<>();
            for (int i = 0; i < writes.size(); i++) {
                Errors error = refused.get(i);
                if (error == null) {
                    accepted.add(writes.get(i));
                    acceptedAt.add(i);
                } else {
                    fail(written.get(i), error, "the transaction coordinator did not confirm that this partition"
                            + " is in the producer's transaction");
                }
            }
            return partitions.append(accepted, AppendOrigin.CLIENT, data.acks(), Math.max(1, data.timeoutMs()))
                    .thenApply(results -> {
                        for (int i = 0; i < results.size(); i++) {
                            fill(written.get(acceptedAt.get(i)), accepted.get(i), results.get(i));
                        }
                        return response;
                    });
        });
        return data.acks() == 0 ? CompletableFuture.completedFuture(null) : answer;
    }

    /**
     * Each partition's lookup, in request order. A partition refused only because its leader, just elected
     * here, is not ready yet is looked up again until it is, or for {@link #LEADER_READY_WAIT_MS}.
     * Refusing such a batch would break a producer: it pipelines five batches, and if the first is refused
     * NOT_LEADER_OR_FOLLOWER and the next ones land once the leader is ready, a partition that knew nothing
     * of the producer takes the second batch as its first (Kafka accepts any sequence from a producer it
     * has no state for), and the first one, sent again, is out of order for good.
     */
    private CompletableFuture<List<Partitions.Lookup>> lookUpOnceReady(ProduceRequestData data,
                                                                       ScheduledExecutorService executor) {
        List<Partitions.Lookup> lookups = lookUp(data);
        if (!waitingForLeader(data, lookups)) {
            return CompletableFuture.completedFuture(lookups);
        }
        CompletableFuture<List<Partitions.Lookup>> ready = new CompletableFuture<>();
        lookUpAgain(data, executor, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LEADER_READY_WAIT_MS), ready);
        return ready;
    }

    private void lookUpAgain(ProduceRequestData data, ScheduledExecutorService executor, long deadline,
                             CompletableFuture<List<Partitions.Lookup>> ready) {
        try {
            executor.schedule(() -> {
                List<Partitions.Lookup> lookups = lookUp(data);
                if (!waitingForLeader(data, lookups) || System.nanoTime() >= deadline) {
                    ready.complete(lookups);
                } else {
                    lookUpAgain(data, executor, deadline, ready);
                }
            }, LEADER_READY_POLL_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // The connection's thread is shutting down: answer with what the lookups say now.
            ready.complete(lookUp(data));
        }
    }

    private List<Partitions.Lookup> lookUp(ProduceRequestData data) {
        List<Partitions.Lookup> lookups = new ArrayList<>();
        for (ProduceRequestData.TopicProduceData t : data.topicData()) {
            for (ProduceRequestData.PartitionProduceData p : t.partitionData()) {
                lookups.add(partitions.leader(new TopicRef(t.name(), t.topicId()), p.index(), -1));
            }
        }
        return lookups;
    }

    /** Whether a partition was refused only because its leader, elected here, is not ready yet. */
    private boolean waitingForLeader(ProduceRequestData data, List<Partitions.Lookup> lookups) {
        int i = 0;
        for (ProduceRequestData.TopicProduceData t : data.topicData()) {
            for (ProduceRequestData.PartitionProduceData p : t.partitionData()) {
                if (lookups.get(i++).error() == Errors.NOT_LEADER_OR_FOLLOWER
                        && partitions.isBecomingLeader(new TopicRef(t.name(), t.topicId()), p.index())) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Answers the partitions whose lookup failed; {@code writes}, {@code written} and {@code unverified}
     * get the batches to append, their responses and the transactional ones to confirm with the
     * coordinator first.
     */
    private void collect(ProduceRequestData data, List<Partitions.Lookup> lookups, short apiVersion,
                         ProduceResponseData response, List<Partitions.Write> writes,
                         List<PartitionProduceResponse> written, List<Integer> unverified) {
        int i = 0;
        for (ProduceRequestData.TopicProduceData t : data.topicData()) {
            TopicProduceResponse topicResponse = new TopicProduceResponse().setName(t.name()).setTopicId(t.topicId());
            response.responses().add(topicResponse);
            for (ProduceRequestData.PartitionProduceData p : t.partitionData()) {
                PartitionProduceResponse pr = new PartitionProduceResponse().setIndex(p.index()).setBaseOffset(-1)
                        .setLogAppendTimeMs(-1).setLogStartOffset(-1);
                topicResponse.partitionResponses().add(pr);
                Partitions.Lookup lookup = lookups.get(i++);
                if (!lookup.found()) {
                    fail(pr, lookup.error(), null);
                    continue;
                }
                MemoryRecords records = (MemoryRecords) p.records();
                RecordBatch first = data.transactionalId() == null ? null : firstBatch(records);
                if (first != null && first.isTransactional()) {
                    // Read before asking the coordinator: a marker after this makes the batch fail (up to v11,
                    // where transactions share an epoch; from v12 on the batch's epoch guards it).
                    PartitionLeader.ProducerTxn seen = lookup.leader().producerTxn(first.producerId());
                    if (!seen.open() || seen.epoch() != first.producerEpoch()) {
                        unverified.add(writes.size());
                    }
                    writes.add(apiVersion > ProduceRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2
                            ? Partitions.Write.addedWithEpoch(lookup.leader(), records)
                            : Partitions.Write.verified(lookup.leader(), records, seen));
                } else {
                    writes.add(new Partitions.Write(lookup.leader(), records));
                }
                written.add(pr);
            }
        }
    }

    private static RecordBatch firstBatch(MemoryRecords records) {
        var batches = records.batches().iterator();
        return batches.hasNext() ? batches.next() : null;
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
