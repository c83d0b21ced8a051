package io.tributary.wire.handlers;

import io.tributary.replication.metadata.BrokerInfo;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.replication.metadata.TopicRef;
import io.tributary.replication.partition.LeadershipView;
import io.tributary.replication.partition.Partitions;
import io.tributary.wire.admin.ClusterView;
import io.tributary.wire.admin.TopicService;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;

/**
 * Metadata: brokers, controller, and per partition its leader, epoch, replicas and in-sync replicas.
 * Unknown topics are created on request when {@code auto.create.topics.enable} allows it; they answer
 * LEADER_NOT_AVAILABLE until ready, and clients retry.
 */
public final class MetadataHandler implements ApiHandler<MetadataRequest> {
    private final ClusterView cluster;
    private final Partitions partitions;
    private final TopicService topics;
    private final boolean autoCreate;

    public MetadataHandler(ClusterView cluster, Partitions partitions, TopicService topics, boolean autoCreate) {
        this.cluster = cluster;
        this.partitions = partitions;
        this.topics = topics;
        this.autoCreate = autoCreate;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.METADATA;
    }

    @Override
    public CompletableFuture<MetadataResponseData> handle(RequestContext context, MetadataRequest request) {
        MetadataRequestData data = request.data();
        MetadataImage image = cluster.image();
        MetadataResponseData response = new MetadataResponseData()
                .setClusterId(cluster.clusterId())
                .setControllerId(cluster.controllerId())
                .setClusterAuthorizedOperations(Integer.MIN_VALUE);
        for (BrokerInfo b : cluster.brokers()) {
            response.brokers().add(new MetadataResponseData.MetadataResponseBroker()
                    .setNodeId(b.id()).setHost(b.host()).setPort(b.port()));
        }
        LeadershipView states = partitions.leadership();
        if (request.isAllTopics()) {
            image.topics().values().forEach(t -> response.topics().add(describe(t, states)));
        } else {
            for (MetadataRequestData.MetadataRequestTopic requested : data.topics()) {
                response.topics().add(lookup(image, requested, data.allowAutoTopicCreation(), states));
            }
        }
        return CompletableFuture.completedFuture(response);
    }

    private MetadataResponseData.MetadataResponseTopic lookup(MetadataImage image, MetadataRequestData.MetadataRequestTopic requested,
                                                              boolean allowAutoCreate, LeadershipView states) {
        String name = requested.name();
        TopicRef ref = new TopicRef(name, requested.topicId());
        TopicInfo topic = image.topic(ref).orElse(null);
        if (topic != null) {
            return describe(topic, states);
        }
        if (ref.unknown() == Errors.UNKNOWN_TOPIC_ID) {
            return new MetadataResponseData.MetadataResponseTopic().setTopicId(requested.topicId())
                    .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code());
        }
        MetadataResponseData.MetadataResponseTopic missing = new MetadataResponseData.MetadataResponseTopic().setName(name);
        try {
            Topic.validate(name);
        } catch (InvalidTopicException e) {
            return missing.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code());
        }
        if (autoCreate && allowAutoCreate && !Topic.isInternal(name)) {
            topics.create(name, topics.partitionsOrDefault(-1), topics.replicationFactorOrDefault(-1), Map.of());
            return missing.setErrorCode(Errors.LEADER_NOT_AVAILABLE.code());
        }
        return missing.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
    }

    private MetadataResponseData.MetadataResponseTopic describe(TopicInfo topic, LeadershipView states) {
        MetadataResponseData.MetadataResponseTopic out = new MetadataResponseData.MetadataResponseTopic()
                .setName(topic.name()).setTopicId(topic.id()).setIsInternal(topic.isInternal())
                .setTopicAuthorizedOperations(Integer.MIN_VALUE);
        List<MetadataResponseData.MetadataResponsePartition> parts = new ArrayList<>();
        for (int p = 0; p < topic.partitionCount(); p++) {
            MetadataResponseData.MetadataResponsePartition part = new MetadataResponseData.MetadataResponsePartition()
                    .setPartitionIndex(p);
            LeadershipView.PartitionState state = states.state(topic, p);
            parts.add(part.setErrorCode(state.hasLeader() ? Errors.NONE.code() : Errors.LEADER_NOT_AVAILABLE.code())
                    .setLeaderId(state.leader()).setLeaderEpoch(state.leaderEpoch())
                    .setReplicaNodes(state.replicas()).setIsrNodes(state.inSync()).setOfflineReplicas(List.of()));
        }
        out.setPartitions(parts);
        return out;
    }
}
