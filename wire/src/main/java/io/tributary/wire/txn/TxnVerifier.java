package io.tributary.wire.txn;

import io.tributary.coordinator.TransactionCoordinator;
import io.tributary.replication.Failures;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.replication.partition.LeadershipView;
import io.tributary.replication.partition.PartitionLeader;
import io.tributary.replication.partition.Partitions;
import io.tributary.wire.client.BrokerChannels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.ProduceRequest;

/**
 * Asks a producer's transaction coordinator about partitions before their leader accepts the producer's
 * first transactional batch there (KIP-890): under transaction protocol version 1 whether they are in its
 * running transaction (a verify-only AddPartitionsToTxn), under version 2 to add them to it (Produce v12
 * and TxnOffsetCommit v5 add partitions implicitly). This broker's own coordinator is asked directly,
 * another's with AddPartitionsToTxn v5.
 */
public final class TxnVerifier {
    private static final long TIMEOUT_MS = 5_000;
    private static final short REQUEST_VERSION = 5;
    /**
     * An add that meets the previous transaction still completing is retried this often, for this long
     * (Kafka retries every 20 ms: here the wait is for a few Raft writes, and a shorter step took the
     * transactional producer benchmark's median latency from 85 to 71 ms at the same throughput).
     */
    private static final long RETRY_BACKOFF_MS = 5;
    private static final long RETRY_FOR_MS = 100;

    private final TransactionCoordinator transactions;
    private final Partitions partitions;
    private final Supplier<MetadataImage> metadata;
    private final BrokerChannels channels;
    private final int nodeId;

    public TxnVerifier(TransactionCoordinator transactions, Partitions partitions, Supplier<MetadataImage> metadata,
                       BrokerChannels channels, int nodeId) {
        this.transactions = transactions;
        this.partitions = partitions;
        this.metadata = metadata;
        this.channels = channels;
        this.nodeId = nodeId;
    }

    /** Per partition: NONE when it is in the producer's running transaction, else the coordinator's error. */
    public CompletableFuture<Map<TopicPartition, Errors>> verify(String transactionalId, long producerId, short epoch,
                                                                 List<TopicPartition> tps) {
        return ask(transactionalId, producerId, epoch, tps, false);
    }

    /**
     * Per partition: NONE once it is in the producer's transaction (which begins if none is running), else
     * the coordinator's error. While the previous transaction is still completing (its markers are being
     * written) the request is retried for a moment before CONCURRENT_TRANSACTIONS is answered.
     */
    public CompletableFuture<Map<TopicPartition, Errors>> add(String transactionalId, long producerId, short epoch,
                                                              List<TopicPartition> tps) {
        return addUntil(transactionalId, producerId, epoch, tps, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_FOR_MS));
    }

    private CompletableFuture<Map<TopicPartition, Errors>> addUntil(String transactionalId, long producerId, short epoch,
                                                                    List<TopicPartition> tps, long deadline) {
        return ask(transactionalId, producerId, epoch, tps, true).thenCompose(errors -> {
            boolean concurrent = errors.containsValue(Errors.CONCURRENT_TRANSACTIONS);
            if (!concurrent || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_BACKOFF_MS) > deadline) {
                return CompletableFuture.completedFuture(errors);
            }
            return CompletableFuture.runAsync(() -> { },
                            CompletableFuture.delayedExecutor(RETRY_BACKOFF_MS, TimeUnit.MILLISECONDS))
                    .thenCompose(v -> addUntil(transactionalId, producerId, epoch, tps, deadline));
        });
    }

    private CompletableFuture<Map<TopicPartition, Errors>> ask(String transactionalId, long producerId, short epoch,
                                                               List<TopicPartition> tps, boolean add) {
        TopicInfo topic = metadata.get().topics().get(TransactionCoordinator.TOPIC);
        LeadershipView.PartitionState state = topic == null ? null : partitions.leadership().state(topic,
                TransactionCoordinator.partitionFor(transactionalId, topic.partitionCount()));
        if (state == null || !state.hasLeader()) {
            return CompletableFuture.completedFuture(each(tps, Errors.COORDINATOR_NOT_AVAILABLE));
        }
        CompletableFuture<Map<TopicPartition, Errors>> answer;
        if (state.leader() == nodeId) {
            answer = add
                    ? transactions.write(transactionalId, shard -> shard.addPartitions(transactionalId, producerId, epoch,
                            new HashSet<>(tps))).thenApply(error -> each(tps, error))
                    : transactions.read(transactionalId, shard -> shard.verify(transactionalId, producerId, epoch, tps));
        } else {
            AddPartitionsToTxnTopicCollection topics = new AddPartitionsToTxnTopicCollection();
            for (TopicPartition tp : tps) {
                AddPartitionsToTxnTopic t = topics.find(tp.topic());
                if (t == null) {
                    t = new AddPartitionsToTxnTopic().setName(tp.topic());
                    topics.add(t);
                }
                t.partitions().add(tp.partition());
            }
            AddPartitionsToTxnTransactionCollection request = new AddPartitionsToTxnTransactionCollection();
            request.add(new AddPartitionsToTxnTransaction().setTransactionalId(transactionalId).setProducerId(producerId)
                    .setProducerEpoch(epoch).setVerifyOnly(!add).setTopics(topics));
            answer = channels.<AddPartitionsToTxnResponse>send(state.leader(),
                    AddPartitionsToTxnRequest.Builder.forBroker(request).build(REQUEST_VERSION), TIMEOUT_MS)
                    .thenApply(response -> AddPartitionsToTxnResponse.errorsForTransaction(
                            response.data().resultsByTransaction().find(transactionalId).topicResults()));
        }
        return answer.handle((errors, failure) -> {
            if (failure != null) {
                return each(tps, Failures.errorOf(failure));
            }
            Map<TopicPartition, Errors> out = new LinkedHashMap<>();
            tps.forEach(tp -> out.put(tp, errors.getOrDefault(tp, Errors.UNKNOWN_SERVER_ERROR)));
            return out;
        });
    }

    /**
     * Confirms a Produce request's unverified transactional writes (their indexes in {@code writes}) with
     * the producer's coordinator, adding their partitions to the transaction from version 12 on; the
     * errors of the writes it refused, by index, as a producer of this Produce version understands them.
     */
    public CompletableFuture<Map<Integer, Errors>> confirm(String transactionalId, List<Partitions.Write> writes,
                                                           List<Integer> unverified, short version) {
        if (unverified.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        RecordBatch batch = writes.get(unverified.get(0)).records().batches().iterator().next();
        List<TopicPartition> tps = new ArrayList<>();
        for (int i : unverified) {
            PartitionLeader leader = writes.get(i).partition();
            tps.add(new TopicPartition(leader.topic(), leader.partition()));
        }
        CompletableFuture<Map<TopicPartition, Errors>> asked = version > ProduceRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2
                ? add(transactionalId, batch.producerId(), batch.producerEpoch(), tps)
                : verify(transactionalId, batch.producerId(), batch.producerEpoch(), tps);
        return asked.thenApply(errors -> {
            Map<Integer, Errors> refused = new HashMap<>();
            for (int k = 0; k < unverified.size(); k++) {
                Errors e = errors.get(tps.get(k));
                if (e != Errors.NONE) {
                    refused.put(unverified.get(k), forProducer(e, version));
                }
            }
            return refused;
        });
    }

    /** A coordinator's answer as a producer expects it from Produce, as Kafka translates it. */
    private static Errors forProducer(Errors error, short version) {
        return switch (error) {
            case CONCURRENT_TRANSACTIONS -> version > ProduceRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2
                    ? Errors.CONCURRENT_TRANSACTIONS : Errors.NOT_ENOUGH_REPLICAS;
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS,
                 NETWORK_EXCEPTION, REQUEST_TIMED_OUT -> Errors.NOT_ENOUGH_REPLICAS;
            case PRODUCER_FENCED -> Errors.INVALID_PRODUCER_EPOCH;
            case TRANSACTION_ABORTABLE -> version >= 11 ? Errors.TRANSACTION_ABORTABLE : Errors.INVALID_TXN_STATE;
            default -> error;
        };
    }

    private static Map<TopicPartition, Errors> each(List<TopicPartition> tps, Errors error) {
        Map<TopicPartition, Errors> out = new LinkedHashMap<>();
        tps.forEach(tp -> out.put(tp, error));
        return out;
    }
}
