package io.tributary.wire.handlers;

import io.tributary.coordinator.TransactionCoordinator;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.EndTxnRequest;

/**
 * EndTxn (v0-4, transaction protocol version 1): commits or aborts the producer's transaction; answered
 * once the decision is durable, the markers follow. Version 5 bumps the epoch on every transaction
 * (protocol version 2) and is not served.
 */
public final class EndTxnHandler implements ApiHandler<EndTxnRequest> {
    private final TransactionCoordinator transactions;

    public EndTxnHandler(TransactionCoordinator transactions) {
        this.transactions = transactions;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.END_TXN;
    }

    @Override
    public short maxVersion() {
        return 4;
    }

    @Override
    public CompletableFuture<EndTxnResponseData> handle(RequestContext context, EndTxnRequest request) {
        EndTxnRequestData data = request.data();
        return transactions.write(data.transactionalId(), shard -> shard.endTxn(data.transactionalId(), data.producerId(),
                        data.producerEpoch(), data.committed()))
                .thenApply(error -> new EndTxnResponseData().setErrorCode(TxnErrors.forVersion(error, context.apiVersion(), 2, 4).code()));
    }
}
