package io.tributary.wire.handlers;

import io.tributary.wire.admin.TopicService;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.Futures;
import io.tributary.wire.api.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.CreatePartitionsRequest;

/** CreatePartitions: grow topics; new partitions go to replica groups chosen by the metadata log. */
public final class CreatePartitionsHandler implements ApiHandler<CreatePartitionsRequest> {
    private final TopicService topics;

    public CreatePartitionsHandler(TopicService topics) {
        this.topics = topics;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.CREATE_PARTITIONS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, CreatePartitionsRequest request) {
        List<CompletableFuture<CreatePartitionsTopicResult>> results = new ArrayList<>();
        for (CreatePartitionsTopic t : request.data().topics()) {
            CreatePartitionsTopicResult result = new CreatePartitionsTopicResult().setName(t.name());
            CompletableFuture<ApiError> outcome = t.assignments() != null
                    ? CompletableFuture.completedFuture(new ApiError(Errors.INVALID_REQUEST,
                            "Manual replica assignment is not supported: replica groups place partitions"))
                    : topics.createPartitions(t.name(), t.count(), request.data().validateOnly());
            results.add(outcome.thenApply(e -> result.setErrorCode(e.error().code()).setErrorMessage(e.isFailure() ? e.message() : null)));
        }
        return Futures.all(results).thenApply(all -> {
            CreatePartitionsResponseData response = new CreatePartitionsResponseData();
            response.results().addAll(all);
            return response;
        });
    }
}
