package io.tributary.wire.handlers;

import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import io.tributary.wire.fetch.FetchService;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.FetchRequest;

/**
 * Fetch for consumers. Fetch sessions (KIP-227) are not kept: every response carries session id 0, so
 * clients send full fetch requests.
 */
public final class FetchHandler implements ApiHandler<FetchRequest> {
    private final FetchService fetch;

    public FetchHandler(FetchService fetch) {
        this.fetch = fetch;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.FETCH;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, FetchRequest request) {
        return fetch.fetch(request.data(), context.executor()).thenApply(r -> r);
    }
}
