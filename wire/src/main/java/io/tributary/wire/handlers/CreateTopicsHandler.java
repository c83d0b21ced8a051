package io.tributary.wire.handlers;

import io.tributary.replication.metadata.TopicInfo;
import io.tributary.wire.admin.TopicService;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.Futures;
import io.tributary.wire.api.RequestContext;
import io.tributary.wire.config.TopicConfigDescriber;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopicConfig;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreateTopicsRequest;

/** CreateTopics: validate (or validate only), create through the metadata log, report the result. */
public final class CreateTopicsHandler implements ApiHandler<CreateTopicsRequest> {
    private final TopicService topics;
    private final TopicConfigDescriber configs;

    public CreateTopicsHandler(TopicService topics, TopicConfigDescriber configs) {
        this.topics = topics;
        this.configs = configs;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CREATE_TOPICS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, CreateTopicsRequest request) {
        boolean validateOnly = request.data().validateOnly();
        List<CompletableFuture<CreatableTopicResult>> results = new ArrayList<>();
        for (CreatableTopic t : request.data().topics()) {
            results.add(create(t, validateOnly));
        }
        return Futures.all(results).thenApply(all -> {
            CreateTopicsResponseData response = new CreateTopicsResponseData();
            response.topics().addAll(all);
            return response;
        });
    }

    private CompletableFuture<CreatableTopicResult> create(CreatableTopic t, boolean validateOnly) {
        int partitions = topics.partitionsOrDefault(t.numPartitions());
        int replicationFactor = topics.replicationFactorOrDefault(t.replicationFactor());
        Map<String, String> overrides = new LinkedHashMap<>();
        for (CreatableTopicConfig c : t.configs()) {
            overrides.put(c.name(), c.value());
        }
        CreatableTopicResult result = new CreatableTopicResult().setName(t.name());
        if (!t.assignments().isEmpty()) {
            return done(result, new ApiError(Errors.INVALID_REQUEST, "Manual replica assignment is not supported: "
                    + "replica groups place partitions"));
        }
        CompletableFuture<ApiError> outcome = validateOnly
                ? CompletableFuture.completedFuture(topics.validateCreate(t.name(), partitions, replicationFactor, overrides))
                : topics.create(t.name(), partitions, replicationFactor, overrides);
        return outcome.thenApply(error -> {
            if (error.isFailure()) {
                return result.setErrorCode(error.error().code()).setErrorMessage(error.message())
                        .setNumPartitions(-1).setReplicationFactor((short) -1);
            }
            TopicInfo created = topics.image().topics().get(t.name());
            result.setTopicId(created == null ? Uuid.ZERO_UUID : created.id())
                    .setNumPartitions(partitions).setReplicationFactor((short) replicationFactor);
            configs.describe(overrides).forEach(c -> result.configs().add(new CreateTopicsResponseData.CreatableTopicConfigs()
                    .setName(c.name()).setValue(c.value()).setReadOnly(false).setConfigSource(c.source())
                    .setIsSensitive(false)));
            return result;
        });
    }

    private static CompletableFuture<CreatableTopicResult> done(CreatableTopicResult result, ApiError error) {
        return CompletableFuture.completedFuture(result.setErrorCode(error.error().code()).setErrorMessage(error.message()));
    }
}
