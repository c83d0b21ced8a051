package io.tributary.wire.handlers;

import io.tributary.coordinator.GroupCoordinator;
import io.tributary.coordinator.runtime.TransactionalWrite;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.replication.metadata.TopicRef;
import io.tributary.replication.partition.Partitions;
import io.tributary.wire.admin.InternalTopics;
import io.tributary.wire.api.ApiHandler;
import io.tributary.wire.api.RequestContext;
import io.tributary.wire.txn.TxnVerifier;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;

/**
 * TxnOffsetCommit (v0-5): offsets committed in the producer's transaction, which take effect with its
 * commit marker. The group coordinator first checks with the transaction coordinator that the group's
 * offsets partition is in the transaction (KIP-890), or from version 5 on (transaction protocol version
 * 2) adds it there, and writes the offsets as a transactional batch carrying what it saw then, as the
 * produce path does. Version 6 names topics by id; they are resolved here, and an unknown id gets
 * UNKNOWN_TOPIC_ID for its partitions.
 */
public final class TxnOffsetCommitHandler implements ApiHandler<TxnOffsetCommitRequest> {
    private final GroupCoordinator groups;
    private final TxnVerifier verifier;
    private final Supplier<MetadataImage> metadata;

    public TxnOffsetCommitHandler(GroupCoordinator groups, TxnVerifier verifier, Supplier<MetadataImage> metadata) {
        this.groups = groups;
        this.verifier = verifier;
        this.metadata = metadata;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.TXN_OFFSET_COMMIT;
    }

    @Override
    public CompletableFuture<TxnOffsetCommitResponseData> handle(RequestContext context, TxnOffsetCommitRequest request) {
        TxnOffsetCommitRequestData data = request.data();
        short version = context.apiVersion();
        MetadataImage image = metadata.get();
        Set<Integer> unknownIds = new HashSet<>();
        for (int i = 0; i < data.topics().size(); i++) {
            TxnOffsetCommitRequestTopic t = data.topics().get(i);
            TopicRef ref = new TopicRef(t.name(), t.topicId());
            if (ref.byId()) {
                Optional<TopicInfo> topic = image.topic(ref);
                t.setName(topic.map(TopicInfo::name).orElse(""));
                if (topic.isEmpty()) {
                    unknownIds.add(i);
                }
            }
        }
        TopicPartition offsetsPartition = new TopicPartition(InternalTopics.OFFSETS, groups.partitionFor(data.groupId()));
        // Read before asking the transaction coordinator: a marker after this makes the write fail (up to v4;
        // from v5 on the producer's epoch, its own for every transaction, does that).
        boolean addsPartition = version > TxnOffsetCommitRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2;
        long lastMarker = addsPartition ? Partitions.Write.EPOCH_GUARDED
                : groups.lastMarkerOffset(data.groupId(), data.producerId());
        List<TopicPartition> partitions = List.of(offsetsPartition);
        CompletableFuture<Map<TopicPartition, Errors>> confirmed = addsPartition
                ? verifier.add(data.transactionalId(), data.producerId(), data.producerEpoch(), partitions)
                : verifier.verify(data.transactionalId(), data.producerId(), data.producerEpoch(), partitions);
        return confirmed.thenCompose(verified -> {
            Errors refused = verified.get(offsetsPartition);
            if (refused != Errors.NONE) {
                return CompletableFuture.completedFuture(failAll(data, forGroupCommit(refused, version)));
            }
            TransactionalWrite txn = new TransactionalWrite(data.producerId(), data.producerEpoch(), lastMarker);
            return groups.write(data.groupId(), txn, shard -> shard.txnCommitOffsets(data, tp -> exists(image, tp)));
        }).thenApply(response -> withTopicIds(data, unknownIds, response));
    }

    /**
     * The response names its topics as the request did (they come back in the request's order); the
     * topics at {@code unknownIds} were named by ids that no topic has.
     */
    private static TxnOffsetCommitResponseData withTopicIds(TxnOffsetCommitRequestData data, Set<Integer> unknownIds,
                                                            TxnOffsetCommitResponseData response) {
        for (int i = 0; i < data.topics().size() && i < response.topics().size(); i++) {
            TxnOffsetCommitResponseTopic answered = response.topics().get(i).setTopicId(data.topics().get(i).topicId());
            if (unknownIds.contains(i)) {
                answered.partitions().forEach(p -> p.setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
            }
        }
        return response;
    }

    private static boolean exists(MetadataImage image, TopicPartition tp) {
        TopicInfo topic = image.topics().get(tp.topic());
        return topic != null && tp.partition() >= 0 && tp.partition() < topic.partitionCount();
    }

    /**
     * The transaction coordinator's refusal as a committing producer expects it: its own coordinator
     * errors become COORDINATOR_LOAD_IN_PROGRESS (retried without looking for another group coordinator).
     */
    private static Errors forGroupCommit(Errors error, short version) {
        return switch (error) {
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, NETWORK_EXCEPTION, REQUEST_TIMED_OUT -> Errors.COORDINATOR_LOAD_IN_PROGRESS;
            case CONCURRENT_TRANSACTIONS -> version > TxnOffsetCommitRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2
                    ? Errors.CONCURRENT_TRANSACTIONS : Errors.COORDINATOR_LOAD_IN_PROGRESS;
            default -> TxnErrors.forVersion(error, version, 2, 4);
        };
    }

    private static TxnOffsetCommitResponseData failAll(TxnOffsetCommitRequestData data, Errors error) {
        TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
        for (TxnOffsetCommitRequestTopic t : data.topics()) {
            TxnOffsetCommitResponseTopic rt = new TxnOffsetCommitResponseTopic().setName(t.name());
            t.partitions().forEach(p -> rt.partitions().add(new TxnOffsetCommitResponsePartition()
                    .setPartitionIndex(p.partitionIndex()).setErrorCode(error.code())));
            response.topics().add(rt);
        }
        return response;
    }
}
