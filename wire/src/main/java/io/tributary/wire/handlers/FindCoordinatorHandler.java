package io.tributary.wire.handlers;

import io.tributary.coordinator.GroupCoordinator;
import io.tributary.coordinator.TransactionCoordinator;
import io.tributary.replication.metadata.BrokerInfo;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.replication.partition.LeadershipView;
import io.tributary.replication.partition.Partitions;
import io.tributary.wire.admin.ClusterView;
import io.tributary.wire.admin.InternalTopics;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;

/**
 * FindCoordinator (single key before v4, batched from v4): a group's coordinator is the leader of
 * partition {@code abs(hash(group)) % partitions} of {@code __consumer_offsets}, a transactional id's
 * the leader of its partition of {@code __transaction_state}. The topic is created on first use.
 */
public final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequest> {
    private final InternalTopics internalTopics;
    private final Partitions partitions;
    private final ClusterView cluster;

    public FindCoordinatorHandler(InternalTopics internalTopics, Partitions partitions, ClusterView cluster) {
        this.internalTopics = internalTopics;
        this.partitions = partitions;
        this.cluster = cluster;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.FIND_COORDINATOR;
    }

    @Override
    public CompletableFuture<FindCoordinatorResponseData> handle(RequestContext context, FindCoordinatorRequest request) {
        FindCoordinatorRequestData data = request.data();
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        if (context.apiVersion() < 4) {
            Coordinator c = find(data.key(), data.keyType());
            return CompletableFuture.completedFuture(response.setErrorCode(c.errorCode()).setErrorMessage(c.errorMessage())
                    .setNodeId(c.nodeId()).setHost(c.host()).setPort(c.port()));
        }
        List<String> keys = data.coordinatorKeys();
        keys.forEach(k -> response.coordinators().add(find(k, data.keyType())));
        return CompletableFuture.completedFuture(response);
    }

    private Coordinator find(String key, byte keyType) {
        Coordinator c = new Coordinator().setKey(key).setNodeId(-1).setHost("").setPort(-1);
        String topic;
        if (keyType == FindCoordinatorRequest.CoordinatorType.GROUP.id()) {
            topic = InternalTopics.OFFSETS;
        } else if (keyType == FindCoordinatorRequest.CoordinatorType.TRANSACTION.id()) {
            topic = InternalTopics.TRANSACTIONS;
        } else {
            return c.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Unknown coordinator type " + keyType
                    + ": groups (0) and transactions (1) have coordinators");
        }
        if (key == null || key.isEmpty()) {
            return c.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(
                    (topic.equals(InternalTopics.OFFSETS) ? "Group id" : "Transactional id") + " must not be empty");
        }
        if (!internalTopics.ensure(topic)) {
            return notAvailable(c);
        }
        TopicInfo info = cluster.image().topics().get(topic);
        int partitionCount = info == null ? 1 : info.partitionCount();
        int partition = topic.equals(InternalTopics.OFFSETS) ? GroupCoordinator.partitionFor(key, partitionCount)
                : TransactionCoordinator.partitionFor(key, partitionCount);
        LeadershipView.PartitionState state = info == null ? null : partitions.leadership().state(info, partition);
        BrokerInfo broker = state == null || !state.hasLeader() ? null : cluster.image().brokers().get(state.leader());
        if (broker == null) {
            return notAvailable(c);
        }
        return c.setErrorCode(Errors.NONE.code()).setNodeId(broker.id()).setHost(broker.host()).setPort(broker.port());
    }

    private static Coordinator notAvailable(Coordinator c) {
        return c.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()).setErrorMessage(Errors.COORDINATOR_NOT_AVAILABLE.message());
    }
}
