package io.tributary.wire.handlers;

import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import io.tributary.wire.produce.ProduceService;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.ProduceRequest;

/** Produce: validated on this leader, appended through Raft; acks=0 is never answered. */
public final class ProduceHandler implements ApiHandler<ProduceRequest> {
    private final ProduceService produce;

    public ProduceHandler(ProduceService produce) {
        this.produce = produce;
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
    public CompletableFuture<ApiMessage> handle(RequestContext context, ProduceRequest request) {
        CompletableFuture<ApiMessage> response = produce.produce(request.data()).thenApply(r -> r);
        return request.acks() == 0 ? CompletableFuture.completedFuture(null) : response;
    }
}
