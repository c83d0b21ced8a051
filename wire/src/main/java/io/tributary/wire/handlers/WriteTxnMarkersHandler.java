package io.tributary.wire.handlers;

import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import io.tributary.wire.txn.TxnMarkers;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;

/**
 * WriteTxnMarkers (v1-2): commit or abort markers for the partitions this broker leads, from a
 * transaction coordinator or from {@code kafka-transactions.sh abort}.
 */
public final class WriteTxnMarkersHandler implements ApiHandler<WriteTxnMarkersRequest> {
    private final TxnMarkers markers;

    public WriteTxnMarkersHandler(TxnMarkers markers) {
        this.markers = markers;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.WRITE_TXN_MARKERS;
    }

    @Override
    public CompletableFuture<WriteTxnMarkersResponseData> handle(RequestContext context, WriteTxnMarkersRequest request) {
        return markers.writeHere(request.markers()).thenApply(errors -> new WriteTxnMarkersResponse(errors).data());
    }
}
