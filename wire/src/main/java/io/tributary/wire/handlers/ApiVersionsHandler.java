package io.tributary.wire.handlers;

import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.ApiRegistry;
import io.tributary.wire.api.RequestContext;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;

/** ApiVersions: the API table, built from the registered handlers. */
public final class ApiVersionsHandler implements ApiHandler<ApiVersionsRequest> {
    private final Supplier<ApiRegistry> registry;

    public ApiVersionsHandler(Supplier<ApiRegistry> registry) {
        this.registry = registry;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.API_VERSIONS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, ApiVersionsRequest request) {
        ApiVersionsResponseData response = new ApiVersionsResponseData();
        for (ApiHandler<?> h : registry.get().all()) {
            response.apiKeys().add(new ApiVersionsResponseData.ApiVersion()
                    .setApiKey(h.apiKey().id).setMinVersion(h.advertisedMinVersion()).setMaxVersion(h.maxVersion()));
        }
        if (context.apiVersion() > maxVersion()) {
            response.setErrorCode(Errors.UNSUPPORTED_VERSION.code());
        } else if (!request.isValid()) {
            response.setErrorCode(Errors.INVALID_REQUEST.code());
        }
        return CompletableFuture.completedFuture(response.setFinalizedFeaturesEpoch(-1));
    }
}
