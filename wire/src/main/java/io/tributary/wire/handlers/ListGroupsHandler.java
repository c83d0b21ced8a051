package io.tributary.wire.handlers;

import io.tributary.coordinator.GroupCoordinator;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.HashSet;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListGroupsRequest;

/** ListGroups: the groups this broker coordinates (admin clients ask every broker), with state filters. */
public final class ListGroupsHandler implements ApiHandler<ListGroupsRequest> {
    private final GroupCoordinator groups;

    public ListGroupsHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.LIST_GROUPS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, ListGroupsRequest request) {
        var states = new HashSet<>(request.data().statesFilter());
        var types = new HashSet<>(request.data().typesFilter());
        boolean loading = groups.loading();
        return groups.readAll(shard -> shard.listGroups(states, types)).thenApply(lists -> {
            ListGroupsResponseData response = new ListGroupsResponseData()
                    .setErrorCode(loading ? Errors.COORDINATOR_LOAD_IN_PROGRESS.code() : Errors.NONE.code());
            lists.forEach(response.groups()::addAll);
            return response;
        });
    }
}
