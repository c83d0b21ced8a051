package io.tributary.wire.handlers;

import io.tributary.replication.metadata.TopicInfo;
import io.tributary.replication.metadata.TopicRef;
import io.tributary.wire.admin.TopicService;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.Futures;
import io.tributary.wire.api.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteTopicsRequest;

/** DeleteTopics: by name (all versions) or by topic id (version 6 and later). */
public final class DeleteTopicsHandler implements ApiHandler<DeleteTopicsRequest> {
    private final TopicService topics;

    public DeleteTopicsHandler(TopicService topics) {
        this.topics = topics;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DELETE_TOPICS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DeleteTopicsRequest request) {
        List<CompletableFuture<DeletableTopicResult>> results = new ArrayList<>();
        for (DeleteTopicState state : request.topics()) {
            results.add(delete(state));
        }
        return Futures.all(results).thenApply(all -> {
            DeleteTopicsResponseData response = new DeleteTopicsResponseData();
            response.responses().addAll(all);
            return response;
        });
    }

    private CompletableFuture<DeletableTopicResult> delete(DeleteTopicState state) {
        DeletableTopicResult result = new DeletableTopicResult().setName(state.name()).setTopicId(state.topicId());
        TopicRef ref = new TopicRef(state.name(), state.topicId());
        TopicInfo topic = topics.image().topic(ref).orElse(null);
        if (topic == null) {
            Errors error = ref.unknown();
            return CompletableFuture.completedFuture(result.setErrorCode(error.code()).setErrorMessage(error.message()));
        }
        result.setName(topic.name()).setTopicId(topic.id());
        return topics.delete(topic.name()).thenApply(error -> result.setErrorCode(error.error().code())
                .setErrorMessage(error.isFailure() ? error.message() : null));
    }
}
