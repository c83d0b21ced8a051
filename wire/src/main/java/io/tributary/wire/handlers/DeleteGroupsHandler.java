package io.tributary.wire.handlers;

import io.tributary.coordinator.GroupCoordinator;
import io.tributary.replication.Failures;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.Futures;
import io.tributary.wire.api.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteGroupsRequest;

/** DeleteGroups: each empty group and its offsets go, through its coordinator shard. */
public final class DeleteGroupsHandler implements ApiHandler<DeleteGroupsRequest> {
    private final GroupCoordinator groups;

    public DeleteGroupsHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DELETE_GROUPS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DeleteGroupsRequest request) {
        List<CompletableFuture<DeletableGroupResult>> results = new ArrayList<>();
        for (String groupId : request.data().groupsNames()) {
            results.add(groups.write(groupId, shard -> shard.deleteGroups(List.of(groupId)))
                    .thenApply(r -> r.get(0))
                    .exceptionally(e -> new DeletableGroupResult().setGroupId(groupId)
                            .setErrorCode(Failures.errorOf(e).code())));
        }
        return Futures.all(results).thenApply(all -> {
            DeleteGroupsResponseData response = new DeleteGroupsResponseData();
            response.results().addAll(all);
            return response;
        });
    }
}
