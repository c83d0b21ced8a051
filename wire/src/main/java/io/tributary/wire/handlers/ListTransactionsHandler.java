package io.tributary.wire.handlers;

import io.tributary.coordinator.TransactionCoordinator;
import io.tributary.coordinator.txn.TransactionMetadata;
import io.tributary.coordinator.txn.TransactionState;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListTransactionsRequest;

/**
 * ListTransactions (v0-2): the transactions of the {@code __transaction_state} partitions this broker
 * leads (clients ask every broker), filtered by state, producer id, how long they have run (v1) and a
 * transactional id pattern (v2).
 */
public final class ListTransactionsHandler implements ApiHandler<ListTransactionsRequest> {
    private final TransactionCoordinator transactions;

    public ListTransactionsHandler(TransactionCoordinator transactions) {
        this.transactions = transactions;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_TRANSACTIONS;
    }

    @Override
    public CompletableFuture<ListTransactionsResponseData> handle(RequestContext context, ListTransactionsRequest request) {
        ListTransactionsRequestData data = request.data();
        ListTransactionsResponseData response = new ListTransactionsResponseData();
        Set<TransactionState> states = new HashSet<>();
        for (String name : data.stateFilters()) {
            TransactionState state = TransactionState.named(name);
            if (state == null) {
                response.unknownStateFilters().add(name);
            } else {
                states.add(state);
            }
        }
        Pattern pattern;
        try {
            pattern = data.transactionalIdPattern() == null || data.transactionalIdPattern().isEmpty() ? null
                    : Pattern.compile(data.transactionalIdPattern());
        } catch (PatternSyntaxException e) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.INVALID_REGULAR_EXPRESSION.code()));
        }
        if (transactions.loading()) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code()));
        }
        Set<Long> producerIds = new HashSet<>(data.producerIdFilters());
        long now = System.currentTimeMillis();
        return transactions.readAll(shard -> shard.transactions()).thenApply(shards -> {
            for (Collection<TransactionMetadata> shard : shards) {
                for (TransactionMetadata m : shard) {
                    boolean matches = (states.isEmpty() || states.contains(m.state()))
                            && (producerIds.isEmpty() || producerIds.contains(m.producerId()))
                            && (data.durationFilter() < 0 || now - m.startMs() > data.durationFilter())
                            && (pattern == null || pattern.matcher(m.transactionalId()).matches());
                    if (matches && (data.stateFilters().isEmpty() || !states.isEmpty())) {
                        response.transactionStates().add(new ListTransactionsResponseData.TransactionState()
                                .setTransactionalId(m.transactionalId()).setProducerId(m.producerId())
                                .setTransactionState(m.state().displayName()));
                    }
                }
            }
            return response;
        });
    }
}
