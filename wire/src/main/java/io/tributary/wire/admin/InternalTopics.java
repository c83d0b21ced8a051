package io.tributary.wire.admin;

import io.tributary.coordinator.GroupCoordinator;
import io.tributary.coordinator.TransactionCoordinator;
import io.tributary.wire.config.BrokerConfig;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The internal topics, created on first use like Kafka's, with at most as many replicas as there are
 * brokers, so that a coordinator fails over with its broker: {@code __consumer_offsets}
 * ({@code offsets.topic.*}) and {@code __transaction_state} ({@code transaction.state.log.*}, whose
 * {@code min.insync.replicas} is {@code transaction.state.log.min.isr}, at most the replicas).
 */
public final class InternalTopics {
    private static final Logger LOG = LoggerFactory.getLogger(InternalTopics.class);
    public static final String OFFSETS = GroupCoordinator.TOPIC;
    public static final String TRANSACTIONS = TransactionCoordinator.TOPIC;

    private final TopicService topics;
    private final BrokerConfig config;
    private final Map<String, CompletableFuture<ApiError>> creating = new ConcurrentHashMap<>();

    public InternalTopics(TopicService topics, BrokerConfig config) {
        this.topics = topics;
        this.config = config;
    }

    /** The partition count of an internal topic: the topic's own once it exists. */
    public int partitions(String topic) {
        var existing = topics.image().topics().get(topic);
        if (existing != null) {
            return existing.partitionCount();
        }
        return config.getInt(topic.equals(OFFSETS) ? BrokerConfig.OFFSETS_TOPIC_PARTITIONS : BrokerConfig.TRANSACTION_TOPIC_PARTITIONS);
    }

    /** Whether the internal topic exists; if not, starts creating it. */
    public boolean ensure(String topic) {
        if (topics.image().topics().containsKey(topic)) {
            return true;
        }
        creating.compute(topic, (t, c) -> c == null || c.isDone() ? create(t) : c);
        return false;
    }

    private CompletableFuture<ApiError> create(String topic) {
        int brokers = Math.max(1, topics.image().brokers().size());
        boolean offsets = topic.equals(OFFSETS);
        int replicationFactor = Math.min(config.getInt(offsets ? BrokerConfig.OFFSETS_TOPIC_REPLICATION_FACTOR
                : BrokerConfig.TRANSACTION_TOPIC_REPLICATION_FACTOR), brokers);
        Map<String, String> configs = offsets
                ? Map.of("cleanup.policy", "compact", "segment.bytes", config.get(BrokerConfig.OFFSETS_TOPIC_SEGMENT_BYTES))
                : Map.of("cleanup.policy", "compact", "segment.bytes", config.get(BrokerConfig.TRANSACTION_TOPIC_SEGMENT_BYTES),
                        "min.insync.replicas", Integer.toString(Math.min(config.getInt(BrokerConfig.TRANSACTION_TOPIC_MIN_ISR),
                                replicationFactor)));
        CompletableFuture<ApiError> created = topics.create(topic, partitions(topic), replicationFactor, configs);
        created.thenAccept(e -> {
            if (e.isFailure() && e.error() != Errors.TOPIC_ALREADY_EXISTS) {
                LOG.warn("could not create {}: {}", topic, e.messageWithFallback());
            }
        });
        return created;
    }
}
