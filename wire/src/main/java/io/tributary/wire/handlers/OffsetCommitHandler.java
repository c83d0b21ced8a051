package io.tributary.wire.handlers;

import io.tributary.coordinator.GroupCoordinator;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.replication.metadata.TopicRef;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.OffsetCommitRequest;

/** OffsetCommit: from group members and from consumers outside any group; unknown partitions are refused. */
public final class OffsetCommitHandler implements ApiHandler<OffsetCommitRequest> {
    private final GroupCoordinator groups;
    private final Supplier<MetadataImage> metadata;

    public OffsetCommitHandler(GroupCoordinator groups, Supplier<MetadataImage> metadata) {
        this.groups = groups;
        this.metadata = metadata;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_COMMIT;
    }

    @Override
    public CompletableFuture<OffsetCommitResponseData> handle(RequestContext context, OffsetCommitRequest request) {
        MetadataImage image = metadata.get();
        for (OffsetCommitRequestTopic t : request.data().topics()) {
            TopicRef ref = new TopicRef(t.name(), t.topicId());
            if (ref.byId()) {
                t.setName(image.topic(ref).map(TopicInfo::name).orElse(""));
            }
        }
        return groups.write(request.data().groupId(), shard -> shard.commitOffsets(request.data(), context.apiVersion(), tp -> image.hasPartition(tp.topic(), tp.partition())));
    }
}
