package io.tributary.wire.handlers;

import io.tributary.coordinator.GroupCoordinator;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.JoinGroupRequest;

/** JoinGroup: answered by the group's coordinator shard once the rebalance lets it. */
public final class JoinGroupHandler implements ApiHandler<JoinGroupRequest> {
    private final GroupCoordinator groups;

    public JoinGroupHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.JOIN_GROUP;
    }

    @Override
    public CompletableFuture<JoinGroupResponseData> handle(RequestContext context, JoinGroupRequest request) {
        String clientHost = String.valueOf(context.clientAddress()).replaceFirst(":\\d+$", "");
        return groups.write(request.data().groupId(), shard -> shard.joinGroup(request.data(), context.apiVersion(),
                context.header().clientId(), clientHost)).thenCompose(response -> response);
    }
}
