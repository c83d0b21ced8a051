package io.tributary.wire.handlers;

import io.tributary.coordinator.GroupCoordinator;
import io.tributary.replication.Failures;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.replication.metadata.TopicRef;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.Futures;
import io.tributary.wire.api.RequestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetFetchRequest;

/**
 * OffsetFetch: one group before v8 (answered at top level), several groups from v8, topic ids from
 * v10. Each group is asked of its own coordinator shard, in the v8 shape, and converted back.
 */
public final class OffsetFetchHandler implements ApiHandler<OffsetFetchRequest> {
    private final GroupCoordinator groups;
    private final Supplier<MetadataImage> metadata;

    public OffsetFetchHandler(GroupCoordinator groups, Supplier<MetadataImage> metadata) {
        this.groups = groups;
        this.metadata = metadata;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_FETCH;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, OffsetFetchRequest request) {
        OffsetFetchRequestData data = request.data();
        if (context.apiVersion() < 8) {
            List<OffsetFetchRequestTopics> topics = data.topics() == null ? null : new ArrayList<>();
            if (data.topics() != null) {
                data.topics().forEach(t -> topics.add(new OffsetFetchRequestTopics().setName(t.name())
                        .setPartitionIndexes(t.partitionIndexes())));
            }
            return fetch(data.groupId(), topics, data.requireStable()).thenApply(OffsetFetchHandler::toSingleGroup);
        }
        List<CompletableFuture<OffsetFetchResponseGroup>> results = new ArrayList<>();
        for (OffsetFetchRequestGroup g : data.groups()) {
            results.add(fetch(g.groupId(), resolveIds(g.topics()), data.requireStable()));
        }
        return Futures.all(results).thenApply(all -> {
            OffsetFetchResponseData response = new OffsetFetchResponseData();
            all.forEach(g -> response.groups().add(withTopicIds(g)));
            return response;
        });
    }

    private CompletableFuture<OffsetFetchResponseGroup> fetch(String groupId, List<OffsetFetchRequestTopics> topics, boolean requireStable) {
        return groups.read(groupId, shard -> shard.fetchOffsets(groupId, topics, requireStable))
                .exceptionally(e -> new OffsetFetchResponseGroup().setGroupId(groupId)
                        .setErrorCode(Failures.errorOf(e).code()));
    }

    private List<OffsetFetchRequestTopics> resolveIds(List<OffsetFetchRequestTopics> topics) {
        if (topics != null) {
            MetadataImage image = metadata.get();
            for (OffsetFetchRequestTopics t : topics) {
                TopicRef ref = new TopicRef(t.name(), t.topicId());
                if (ref.byId()) {
                    t.setName(image.topic(ref).map(TopicInfo::name).orElse(""));
                }
            }
        }
        return topics;
    }

    private OffsetFetchResponseGroup withTopicIds(OffsetFetchResponseGroup group) {
        MetadataImage image = metadata.get();
        for (OffsetFetchResponseTopics t : group.topics()) {
            if (t.topicId() == null || Uuid.ZERO_UUID.equals(t.topicId())) {
                TopicInfo topic = image.topics().get(t.name());
                if (topic != null) {
                    t.setTopicId(topic.id());
                }
            }
        }
        return group;
    }

    private static ApiMessage toSingleGroup(OffsetFetchResponseGroup group) {
        OffsetFetchResponseData response = new OffsetFetchResponseData().setErrorCode(group.errorCode());
        for (OffsetFetchResponseTopics t : group.topics()) {
            OffsetFetchResponseTopic topic = new OffsetFetchResponseTopic().setName(t.name());
            for (OffsetFetchResponsePartitions p : t.partitions()) {
                topic.partitions().add(new OffsetFetchResponsePartition().setPartitionIndex(p.partitionIndex())
                        .setCommittedOffset(p.committedOffset()).setCommittedLeaderEpoch(p.committedLeaderEpoch())
                        .setMetadata(p.metadata()).setErrorCode(p.errorCode()));
            }
            response.topics().add(topic);
        }
        return response;
    }
}
