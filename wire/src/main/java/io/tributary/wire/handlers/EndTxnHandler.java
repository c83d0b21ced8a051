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
 * EndTxn (v0-5): commits or aborts the producer's transaction; answered once the decision is durable, the
 * markers follow. Version 5 is transaction protocol version 2: the transaction ends with the next epoch,
 * and the answer tells the producer the id and epoch to go on with.
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
    public CompletableFuture<EndTxnResponseData> handle(RequestContext context, EndTxnRequest request) {
        EndTxnRequestData data = request.data();
        short version = context.apiVersion();
        if (version > EndTxnRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2) {
            return transactions.write(data.transactionalId(), shard -> shard.endTxnWithNextEpoch(data.transactionalId(),
                            data.producerId(), data.producerEpoch(), data.committed()))
                    .thenApply(r -> new EndTxnResponseData().setErrorCode(r.error().code())
                            .setProducerId(r.producerId()).setProducerEpoch(r.producerEpoch()));
        }
        return transactions.write(data.transactionalId(), shard -> shard.endTxn(data.transactionalId(), data.producerId(),
                        data.producerEpoch(), data.committed()))
                .thenApply(error -> new EndTxnResponseData().setErrorCode(TxnErrors.forVersion(error, version, 2, 4).code()));
    }
}
