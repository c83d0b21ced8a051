package io.tributary.wire.handlers;

import io.tributary.replication.metadata.BrokerInfo;
import io.tributary.wire.admin.ClusterView;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.DescribeClusterRequest;

/** DescribeCluster: cluster id, controller and brokers. */
public final class DescribeClusterHandler implements ApiHandler<DescribeClusterRequest> {
    private final ClusterView cluster;

    public DescribeClusterHandler(ClusterView cluster) {
        this.cluster = cluster;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_CLUSTER;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeClusterRequest request) {
        DescribeClusterResponseData response = new DescribeClusterResponseData()
                .setClusterId(cluster.clusterId())
                .setControllerId(cluster.controllerId())
                .setClusterAuthorizedOperations(Integer.MIN_VALUE);
        for (BrokerInfo b : cluster.brokers()) {
            response.brokers().add(new DescribeClusterResponseData.DescribeClusterBroker()
                    .setBrokerId(b.id()).setHost(b.host()).setPort(b.port()));
        }
        return CompletableFuture.completedFuture(response);
    }
}
