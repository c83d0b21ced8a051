package io.tributary.wire.admin;

import io.tributary.replication.metadata.ClusterMetadata;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.MetadataResult;
import io.tributary.replication.metadata.MetadataService;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.replication.partition.Partitions;
import io.tributary.wire.config.BrokerConfig;
import io.tributary.wire.config.TopicConfigs;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * Topic administration as the admin APIs need it: validation with Kafka's errors, the metadata change
 * through Raft, and, for creation, waiting until the new partitions can take writes here.
 */
public final class TopicService {
    private static final long READY_TIMEOUT_MS = 10_000;
    private static final long READY_POLL_MS = 20;

    private final MetadataService metadata;
    private final Partitions partitions;
    private final BrokerConfig config;
    private final ScheduledExecutorService scheduler;

    public TopicService(MetadataService metadata, Partitions partitions, BrokerConfig config, ScheduledExecutorService scheduler) {
        this.metadata = metadata;
        this.partitions = partitions;
        this.config = config;
        this.scheduler = scheduler;
    }

    public MetadataImage image() {
        return metadata.image();
    }

    /** Partitions and replication factor as given, with -1 meaning the broker default. */
    public int partitionsOrDefault(int requested) {
        return requested == -1 ? config.getInt(BrokerConfig.NUM_PARTITIONS) : requested;
    }

    public int replicationFactorOrDefault(int requested) {
        return requested == -1 ? config.getInt(BrokerConfig.DEFAULT_REPLICATION_FACTOR) : requested;
    }

    /** Checks a creation without making it: name, counts, configs. */
    public ApiError validateCreate(String name, int partitionCount, int replicationFactor, Map<String, String> configs) {
        MetadataResult valid = ClusterMetadata.validateCreate(metadata.image(), name, partitionCount, replicationFactor);
        if (!valid.isOk()) {
            return new ApiError(valid.error(), valid.message());
        }
        return validateConfigs(configs);
    }

    public static ApiError validateConfigs(Map<String, String> configs) {
        for (Map.Entry<String, String> e : configs.entrySet()) {
            String problem = TopicConfigs.validate(e.getKey(), e.getValue());
            if (problem != null) {
                return new ApiError(Errors.INVALID_CONFIG, problem);
            }
        }
        return ApiError.NONE;
    }

    /** Creates a topic; completes once its partitions can be written (or after a timeout, still success). */
    public CompletableFuture<ApiError> create(String name, int partitionCount, int replicationFactor, Map<String, String> configs) {
        ApiError invalid = validateCreate(name, partitionCount, replicationFactor, configs);
        if (invalid.isFailure()) {
            return CompletableFuture.completedFuture(invalid);
        }
        return metadata.createTopic(name, Uuid.randomUuid(), partitionCount, replicationFactor, configs)
                .thenCompose(result -> result.isOk() ? awaitReady(name).thenApply(v -> ApiError.NONE)
                        : CompletableFuture.completedFuture(new ApiError(result.error(), result.message())));
    }

    public CompletableFuture<ApiError> delete(String name) {
        return metadata.deleteTopic(name).thenApply(TopicService::toApiError);
    }

    public CompletableFuture<ApiError> createPartitions(String name, int totalCount, boolean validateOnly) {
        TopicInfo topic = metadata.image().topics().get(name);
        if (topic == null) {
            return CompletableFuture.completedFuture(new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION, "The topic '" + name + "' does not exist."));
        }
        if (totalCount <= topic.partitionCount()) {
            return CompletableFuture.completedFuture(new ApiError(Errors.INVALID_PARTITIONS, "Topic currently has "
                    + topic.partitionCount() + " partitions, which is higher than the requested " + totalCount + "."));
        }
        if (validateOnly) {
            return CompletableFuture.completedFuture(ApiError.NONE);
        }
        return metadata.createPartitions(name, totalCount)
                .thenCompose(r -> r.isOk() ? awaitReady(name).thenApply(v -> ApiError.NONE)
                        : CompletableFuture.completedFuture(toApiError(r)));
    }

    /**
     * Changes a topic's config overrides: {@code edit} turns the current overrides into the new ones,
     * which are validated and, unless {@code validateOnly}, stored through the metadata log.
     */
    public CompletableFuture<ApiError> alterConfigs(String name, UnaryOperator<Map<String, String>> edit,
                                                    boolean validateOnly) {
        TopicInfo topic = metadata.image().topics().get(name);
        if (topic == null) {
            return CompletableFuture.completedFuture(new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION, "Topic " + name + " does not exist"));
        }
        Map<String, String> configs = edit.apply(new LinkedHashMap<>(topic.configs()));
        ApiError invalid = validateConfigs(configs);
        if (invalid.isFailure() || validateOnly) {
            return CompletableFuture.completedFuture(invalid);
        }
        return metadata.setTopicConfigs(name, configs).thenApply(TopicService::toApiError);
    }

    private static ApiError toApiError(MetadataResult r) {
        return r.isOk() ? ApiError.NONE : new ApiError(r.error(), r.message());
    }

    /** Completes when every partition of the topic that this broker hosts has its replica and a known leader. */
    private CompletableFuture<Void> awaitReady(String name) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MS);
        Runnable check = new Runnable() {
            @Override
            public void run() {
                if (partitions.readyHere(name) || System.nanoTime() > deadline) {
                    done.complete(null);
                } else {
                    scheduler.schedule(this, READY_POLL_MS, TimeUnit.MILLISECONDS);
                }
            }
        };
        check.run();
        return done;
    }
}
