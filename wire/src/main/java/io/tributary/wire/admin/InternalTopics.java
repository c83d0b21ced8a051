package io.tributary.wire.admin;

import io.tributary.coordinator.GroupCoordinator;
import io.tributary.wire.config.BrokerConfig;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The internal topics, created on first use like Kafka's: {@code __consumer_offsets} with
 * {@code offsets.topic.num.partitions} partitions and {@code min(offsets.topic.replication.factor,
 * brokers)} replicas, so a group coordinator fails over with the broker.
 */
public final class InternalTopics {
    private static final Logger LOG = LoggerFactory.getLogger(InternalTopics.class);
    public static final String OFFSETS = GroupCoordinator.TOPIC;

    private final TopicService topics;
    private final BrokerConfig config;
    private volatile CompletableFuture<ApiError> creating;

    public InternalTopics(TopicService topics, BrokerConfig config) {
        this.topics = topics;
        this.config = config;
    }

    /** The partition count of {@code __consumer_offsets}: the topic's own once it exists. */
    public int offsetsPartitions() {
        var existing = topics.image().topics().get(OFFSETS);
        return existing != null ? existing.partitionCount() : config.getInt(BrokerConfig.OFFSETS_TOPIC_PARTITIONS);
    }

    /** Whether {@code __consumer_offsets} exists; if not, starts creating it. */
    public boolean ensureOffsetsTopic() {
        if (topics.image().topics().containsKey(OFFSETS)) {
            return true;
        }
        CompletableFuture<ApiError> c = creating;
        if (c == null || c.isDone()) {
            int brokers = Math.max(1, topics.image().brokers().size());
            int replicationFactor = Math.min(config.getInt(BrokerConfig.OFFSETS_TOPIC_REPLICATION_FACTOR), brokers);
            creating = topics.create(OFFSETS, offsetsPartitions(), replicationFactor,
                    Map.of("cleanup.policy", "compact", "segment.bytes", config.get(BrokerConfig.OFFSETS_TOPIC_SEGMENT_BYTES)));
            creating.thenAccept(e -> {
                if (e.isFailure() && e.error() != Errors.TOPIC_ALREADY_EXISTS) {
                    LOG.warn("could not create {}: {}", OFFSETS, e.messageWithFallback());
                }
            });
        }
        return false;
    }
}
