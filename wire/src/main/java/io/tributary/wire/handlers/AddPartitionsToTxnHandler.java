package io.tributary.wire.handlers;

import io.tributary.coordinator.TransactionCoordinator;
import io.tributary.replication.Failures;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;

/**
 * AddPartitionsToTxn: from a producer (v0-3, one transaction) the partitions join its transaction; from
 * a partition leader (v4-5, transactions batched) with {@code verifyOnly}, the coordinator answers
 * whether each partition is in the running transaction (KIP-890). When a partition does not exist, it
 * gets UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED, as in Kafka.
 */
public final class AddPartitionsToTxnHandler implements ApiHandler<AddPartitionsToTxnRequest> {
    private final TransactionCoordinator transactions;
    private final Supplier<MetadataImage> metadata;

    public AddPartitionsToTxnHandler(TransactionCoordinator transactions, Supplier<MetadataImage> metadata) {
        this.transactions = transactions;
        this.metadata = metadata;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ADD_PARTITIONS_TO_TXN;
    }

    @Override
    public CompletableFuture<AddPartitionsToTxnResponseData> handle(RequestContext context, AddPartitionsToTxnRequest request) {
        AddPartitionsToTxnRequestData data = request.data();
        short version = context.apiVersion();
        if (version < 4) {
            List<TopicPartition> partitions = AddPartitionsToTxnRequest.getPartitions(data.v3AndBelowTopics());
            return add(data.v3AndBelowTransactionalId(), data.v3AndBelowProducerId(), data.v3AndBelowProducerEpoch(),
                    partitions, false, version).thenApply(errors -> new AddPartitionsToTxnResponseData().setResultsByTopicV3AndBelow(
                    AddPartitionsToTxnResponse.resultForTransaction(AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID, errors)
                            .topicResults()));
        }
        AddPartitionsToTxnResponseData response = new AddPartitionsToTxnResponseData();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (AddPartitionsToTxnTransaction t : data.transactions()) {
            List<TopicPartition> partitions = AddPartitionsToTxnRequest.getPartitions(t.topics());
            all.add(add(t.transactionalId(), t.producerId(), t.producerEpoch(), partitions, t.verifyOnly(), version)
                    .thenAccept(errors -> {
                        synchronized (response) {
                            response.resultsByTransaction().add(
                                    AddPartitionsToTxnResponse.resultForTransaction(t.transactionalId(), errors));
                        }
                    }));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> response);
    }

    private CompletableFuture<Map<TopicPartition, Errors>> add(String transactionalId, long producerId, short epoch,
                                                               List<TopicPartition> partitions, boolean verifyOnly,
                                                               short version) {
        MetadataImage image = metadata.get();
        Map<TopicPartition, Errors> unknown = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            TopicInfo topic = image.topics().get(tp.topic());
            if (topic == null || tp.partition() < 0 || tp.partition() >= topic.partitionCount()) {
                unknown.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
            }
        }
        if (!unknown.isEmpty()) {
            Map<TopicPartition, Errors> errors = new LinkedHashMap<>();
            partitions.forEach(tp -> errors.put(tp, unknown.getOrDefault(tp, Errors.OPERATION_NOT_ATTEMPTED)));
            return CompletableFuture.completedFuture(errors);
        }
        CompletableFuture<Map<TopicPartition, Errors>> answer = verifyOnly
                ? transactions.read(transactionalId, shard -> shard.verify(transactionalId, producerId, epoch, partitions))
                : transactions.write(transactionalId, shard -> shard.addPartitions(transactionalId, producerId, epoch,
                        new HashSet<>(partitions))).thenApply(error -> each(partitions, error));
        return answer.handle((errors, failure) -> {
            Map<TopicPartition, Errors> out = failure != null ? each(partitions, Failures.errorOf(failure)) : new LinkedHashMap<>(errors);
            out.replaceAll((tp, e) -> TxnErrors.forVersion(e, version, 2, 5));
            return out;
        });
    }

    private static Map<TopicPartition, Errors> each(List<TopicPartition> partitions, Errors error) {
        Map<TopicPartition, Errors> out = new LinkedHashMap<>();
        partitions.forEach(tp -> out.put(tp, error));
        return out;
    }
}
