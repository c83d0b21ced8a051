package io.tributary.wire.handlers;

import io.tributary.coordinator.GroupCoordinator;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.OffsetDeleteRequest;

/** OffsetDelete: removes a group's committed offsets for partitions no member subscribes to. */
public final class OffsetDeleteHandler implements ApiHandler<OffsetDeleteRequest> {
    private final GroupCoordinator groups;
    private final Supplier<MetadataImage> metadata;

    public OffsetDeleteHandler(GroupCoordinator groups, Supplier<MetadataImage> metadata) {
        this.groups = groups;
        this.metadata = metadata;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.OFFSET_DELETE;
    }

    @Override
    public CompletableFuture<OffsetDeleteResponseData> handle(RequestContext context, OffsetDeleteRequest request) {
        MetadataImage image = metadata.get();
        return groups.write(request.data().groupId(), shard -> shard.deleteOffsets(request.data(), tp -> image.hasPartition(tp.topic(), tp.partition())));
    }
}
