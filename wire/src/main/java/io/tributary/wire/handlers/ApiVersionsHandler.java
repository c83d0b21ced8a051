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

/**
 * ApiVersions: the API table, built from the registered handlers, and the one feature clients act on:
 * {@code transaction.version}, finalized at the broker's setting. A Kafka 4 producer uses transaction
 * protocol version 2 when it is finalized at 2 or more, else version 1; the request versions of both are
 * served either way, as Kafka does. The features epoch is the finalized level, so that a cluster raised
 * from 1 to 2 is noticed by clients that saw 1.
 */
public final class ApiVersionsHandler implements ApiHandler<ApiVersionsRequest> {
    static final String TRANSACTION_VERSION = "transaction.version";
    private static final short TRANSACTION_VERSION_MAX = 2;

    private final Supplier<ApiRegistry> registry;
    private final short transactionVersion;

    public ApiVersionsHandler(Supplier<ApiRegistry> registry, short transactionVersion) {
        this.registry = registry;
        this.transactionVersion = transactionVersion;
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
        response.supportedFeatures().add(new ApiVersionsResponseData.SupportedFeatureKey()
                .setName(TRANSACTION_VERSION).setMinVersion((short) 0).setMaxVersion(TRANSACTION_VERSION_MAX));
        response.finalizedFeatures().add(new ApiVersionsResponseData.FinalizedFeatureKey()
                .setName(TRANSACTION_VERSION).setMinVersionLevel(transactionVersion).setMaxVersionLevel(transactionVersion));
        return CompletableFuture.completedFuture(response.setFinalizedFeaturesEpoch(transactionVersion));
    }
}
