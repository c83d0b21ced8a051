package io.tributary.wire.handlers;

import io.tributary.wire.admin.TopicService;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.Futures;
import io.tributary.wire.api.RequestContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.AlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterConfigsRequest;
import org.apache.kafka.common.requests.ApiError;

/** AlterConfigs (the legacy API): replaces a topic's whole set of overrides. */
public final class AlterConfigsHandler implements ApiHandler<AlterConfigsRequest> {
    private final TopicService topics;

    public AlterConfigsHandler(TopicService topics) {
        this.topics = topics;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.ALTER_CONFIGS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, AlterConfigsRequest request) {
        List<CompletableFuture<AlterConfigsResourceResponse>> results = new ArrayList<>();
        for (AlterConfigsResource resource : request.data().resources()) {
            AlterConfigsResourceResponse result = new AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
            results.add(replace(resource, request.data().validateOnly())
                    .thenApply(e -> result.setErrorCode(e.error().code()).setErrorMessage(e.isFailure() ? e.message() : null)));
        }
        return Futures.all(results).thenApply(all -> {
            AlterConfigsResponseData response = new AlterConfigsResponseData();
            response.responses().addAll(all);
            return response;
        });
    }

    private CompletableFuture<ApiError> replace(AlterConfigsResource resource, boolean validateOnly) {
        if (ConfigResource.Type.forId(resource.resourceType()) != ConfigResource.Type.TOPIC) {
            return CompletableFuture.completedFuture(new ApiError(Errors.INVALID_REQUEST,
                    "Only topic configs can be altered; broker settings are static"));
        }
        return topics.alterConfigs(resource.resourceName(), current -> {
            Map<String, String> configs = new LinkedHashMap<>();
            for (AlterableConfig c : resource.configs()) {
                configs.put(c.name(), c.value());
            }
            return configs;
        }, validateOnly);
    }
}
