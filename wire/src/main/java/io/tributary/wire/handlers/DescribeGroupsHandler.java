package io.tributary.wire.handlers;

import io.tributary.coordinator.GroupCoordinator;
import io.tributary.replication.Failures;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.Futures;
import io.tributary.wire.api.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeGroupsRequest;

/** DescribeGroups: each group from its coordinator shard; groups coordinated elsewhere get NOT_COORDINATOR. */
public final class DescribeGroupsHandler implements ApiHandler<DescribeGroupsRequest> {
    private final GroupCoordinator groups;

    public DescribeGroupsHandler(GroupCoordinator groups) {
        this.groups = groups;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_GROUPS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeGroupsRequest request) {
        List<CompletableFuture<DescribedGroup>> results = new ArrayList<>();
        for (String groupId : request.data().groups()) {
            results.add(groups.read(groupId, shard -> shard.describeGroup(groupId, context.apiVersion()))
                    .exceptionally(e -> new DescribedGroup().setGroupId(groupId)
                            .setErrorCode(Failures.errorOf(e).code())));
        }
        return Futures.all(results).thenApply(all -> {
            DescribeGroupsResponseData response = new DescribeGroupsResponseData();
            response.groups().addAll(all);
            return response;
        });
    }
}
