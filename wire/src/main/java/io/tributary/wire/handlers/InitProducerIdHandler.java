package io.tributary.wire.handlers;

import io.tributary.coordinator.ProducerIdManager;
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
 * InitProducerId for idempotent producers: a new producer id at epoch 0, or, when a producer asks to
 * bump its epoch (KIP-360), the same id at the next epoch. Transactional ids are not served yet.
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequest> {
    static final long BLOCK_WAIT_MS = 2_000;

    private final ProducerIdManager producerIds;

    public InitProducerIdHandler(ProducerIdManager producerIds) {
        this.producerIds = producerIds;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.INIT_PRODUCER_ID;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, InitProducerIdRequest request) {
        InitProducerIdRequestData data = request.data();
        InitProducerIdResponseData response = new InitProducerIdResponseData().setProducerId(-1).setProducerEpoch((short) -1);
        if (data.transactionalId() != null) {
            return CompletableFuture.completedFuture(response.setErrorCode(Errors.TRANSACTIONAL_ID_NOT_FOUND.code()));
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
