package io.tributary.wire.handlers;

import io.tributary.coordinator.ProducerIdManager;
import io.tributary.coordinator.TransactionCoordinator;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.InitProducerIdRequest;

/**
 * InitProducerId. For an idempotent producer: a new producer id at epoch 0, or, when a producer asks to
 * bump its epoch (KIP-360), the same id at the next epoch. With a transactional id: the transaction
 * coordinator's answer (a producer id and an epoch that fences earlier instances).
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequest> {
    static final long BLOCK_WAIT_MS = 2_000;

    private final ProducerIdManager producerIds;
    private final TransactionCoordinator transactions;

    public InitProducerIdHandler(ProducerIdManager producerIds, TransactionCoordinator transactions) {
        this.producerIds = producerIds;
        this.transactions = transactions;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.INIT_PRODUCER_ID;
    }

    /** Version 6 (two-phase commit, KIP-939) is not served. */
    @Override
    public short maxVersion() {
        return 5;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, InitProducerIdRequest request) {
        InitProducerIdRequestData data = request.data();
        InitProducerIdResponseData response = new InitProducerIdResponseData().setProducerId(-1).setProducerEpoch((short) -1);
        String transactionalId = data.transactionalId();
        if (transactionalId != null) {
            if (transactionalId.isEmpty()) {
                return CompletableFuture.completedFuture(response.setErrorCode(Errors.INVALID_REQUEST.code()));
            }
            return transactions.write(transactionalId, shard -> shard.initProducerId(transactionalId,
                    data.transactionTimeoutMs(), data.producerId(), data.producerEpoch())).thenApply(r -> response
                    .setErrorCode(TxnErrors.forVersion(r.error(), context.apiVersion(), 4, 5).code())
                    .setProducerId(r.producerId()).setProducerEpoch(r.producerEpoch()));
        }
        if (data.producerId() >= 0 && data.producerEpoch() >= 0 && data.producerEpoch() < Short.MAX_VALUE - 1) {
            return CompletableFuture.completedFuture(response.setProducerId(data.producerId())
                    .setProducerEpoch((short) (data.producerEpoch() + 1)));
        }
        // A new block of ids needs the metadata leader; a broker cut off from it answers with a retriable
        // error, as Kafka does while no block is available, so the client asks another broker.
        return producerIds.nextId().orTimeout(BLOCK_WAIT_MS, TimeUnit.MILLISECONDS)
                .<ApiMessage>thenApply(id -> response.setProducerId(id).setProducerEpoch((short) 0))
                .exceptionally(e -> response.setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code()));
    }
}
