package io.tributary.wire.handlers;

import io.tributary.coordinator.TransactionCoordinator;
import io.tributary.coordinator.txn.TransactionMetadata;
import io.tributary.replication.Failures;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TopicData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TransactionState;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeTransactionsRequest;

/** DescribeTransactions (v0): each transactional id's state, producer, timeout and partitions, from its coordinator. */
public final class DescribeTransactionsHandler implements ApiHandler<DescribeTransactionsRequest> {
    private final TransactionCoordinator transactions;

    public DescribeTransactionsHandler(TransactionCoordinator transactions) {
        this.transactions = transactions;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_TRANSACTIONS;
    }

    @Override
    public CompletableFuture<DescribeTransactionsResponseData> handle(RequestContext context, DescribeTransactionsRequest request) {
        List<CompletableFuture<TransactionState>> states = new ArrayList<>();
        for (String id : request.data().transactionalIds()) {
            states.add(transactions.read(id, shard -> shard.describe(id))
                    .handle((found, failure) -> describe(id, found, failure)));
        }
        return CompletableFuture.allOf(states.toArray(CompletableFuture[]::new)).thenApply(v -> {
            DescribeTransactionsResponseData response = new DescribeTransactionsResponseData();
            states.forEach(s -> response.transactionStates().add(s.join()));
            return response;
        });
    }

    private static TransactionState describe(String id, Optional<TransactionMetadata> found, Throwable failure) {
        TransactionState state = new TransactionState().setTransactionalId(id).setTransactionState("")
                .setTransactionStartTimeMs(-1).setProducerId(-1).setProducerEpoch((short) -1);
        if (failure != null) {
            return state.setErrorCode(Failures.errorOf(failure).code());
        }
        if (found.isEmpty()) {
            return state.setErrorCode(Errors.TRANSACTIONAL_ID_NOT_FOUND.code());
        }
        TransactionMetadata m = found.get();
        state.setTransactionState(m.state().displayName()).setTransactionTimeoutMs(m.timeoutMs())
                .setTransactionStartTimeMs(m.startMs()).setProducerId(m.producerId()).setProducerEpoch(m.producerEpoch());
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        for (TopicPartition tp : m.partitions()) {
            byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
        }
        byTopic.forEach((topic, partitions) -> state.topics().add(new TopicData().setTopic(topic)
                .setPartitions(partitions.stream().sorted().toList())));
        return state;
    }
}
