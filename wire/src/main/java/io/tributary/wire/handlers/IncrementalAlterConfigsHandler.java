package io.tributary.wire.handlers;

import io.tributary.wire.admin.TopicService;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.Futures;
import io.tributary.wire.api.RequestContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;

/** IncrementalAlterConfigs for topics: SET, DELETE, APPEND and SUBTRACT on the topic's overrides. */
public final class IncrementalAlterConfigsHandler implements ApiHandler<IncrementalAlterConfigsRequest> {
    private final TopicService topics;

    public IncrementalAlterConfigsHandler(TopicService topics) {
        this.topics = topics;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.INCREMENTAL_ALTER_CONFIGS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, IncrementalAlterConfigsRequest request) {
        List<CompletableFuture<AlterConfigsResourceResponse>> results = new ArrayList<>();
        for (AlterConfigsResource resource : request.data().resources()) {
            AlterConfigsResourceResponse result = new AlterConfigsResourceResponse()
                    .setResourceType(resource.resourceType()).setResourceName(resource.resourceName());
            results.add(alter(resource, request.data().validateOnly())
                    .thenApply(e -> result.setErrorCode(e.error().code()).setErrorMessage(e.isFailure() ? e.message() : null)));
        }
        return Futures.all(results).thenApply(all -> {
            IncrementalAlterConfigsResponseData response = new IncrementalAlterConfigsResponseData();
            response.responses().addAll(all);
            return response;
        });
    }

    private CompletableFuture<ApiError> alter(AlterConfigsResource resource, boolean validateOnly) {
        if (ConfigResource.Type.forId(resource.resourceType()) != ConfigResource.Type.TOPIC) {
            return error(Errors.INVALID_REQUEST, "Only topic configs can be altered; broker settings are static");
        }
        for (AlterableConfig c : resource.configs()) {
            if (AlterConfigOp.OpType.forId(c.configOperation()) == null) {
                return error(Errors.INVALID_REQUEST, "Unknown config operation " + c.configOperation());
            }
        }
        return topics.alterConfigs(resource.resourceName(), configs -> {
            for (AlterableConfig c : resource.configs()) {
                switch (AlterConfigOp.OpType.forId(c.configOperation())) {
                    case SET -> configs.put(c.name(), c.value());
                    case DELETE -> configs.remove(c.name());
                    case APPEND, SUBTRACT -> configs.put(c.name(), editList(configs.get(c.name()), c.value(),
                            AlterConfigOp.OpType.forId(c.configOperation())));
                }
            }
            return configs;
        }, validateOnly);
    }

    private static String editList(String current, String value, AlterConfigOp.OpType op) {
        List<String> items = new ArrayList<>(current == null || current.isEmpty() ? List.of() : Arrays.asList(current.split(",")));
        for (String v : value.split(",")) {
            if (op == AlterConfigOp.OpType.APPEND && !items.contains(v)) {
                items.add(v);
            } else if (op == AlterConfigOp.OpType.SUBTRACT) {
                items.remove(v);
            }
        }
        return String.join(",", items);
    }

    private static CompletableFuture<ApiError> error(Errors error, String message) {
        return CompletableFuture.completedFuture(new ApiError(error, message));
    }
}
