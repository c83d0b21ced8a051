package io.tributary.coordinator;

import io.tributary.coordinator.runtime.CoordinatorResult;
import io.tributary.coordinator.runtime.CoordinatorRuntime;
import io.tributary.coordinator.runtime.InternalTopic;
import io.tributary.coordinator.txn.MarkerWriter;
import io.tributary.coordinator.txn.TransactionConfig;
import io.tributary.coordinator.txn.TransactionCoordinatorShard;
import io.tributary.coordinator.txn.TransactionMetadata;
import io.tributary.coordinator.txn.TransactionState;
import java.io.Closeable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction coordinator of this broker: one {@link TransactionCoordinatorShard} per partition of
 * {@code __transaction_state} that this broker leads. A transactional id belongs to partition
 * {@code abs(hash(id)) % partitions}, as in Kafka.
 *
 * <p>It also carries out decisions: every transaction in PrepareCommit or PrepareAbort (after EndTxn, a
 * fence or a timeout, and after a failover, when a new leader finds them in the log) gets its markers
 * written to every partition by the {@link MarkerWriter}, again and again until each is written, and is
 * then completed. The coordinator epoch the markers carry is the partition's leader epoch.
 */
public final class TransactionCoordinator implements Closeable {
    public static final String TOPIC = "__transaction_state";
    private static final Logger LOG = LoggerFactory.getLogger(TransactionCoordinator.class);
    private static final long REFRESH_MS = 200;
    private static final long MARKER_RETRY_MS = 100;
    private static final long COMPACT_AFTER_RECORDS = 10_000;

    private final InternalTopic logs;
    private final MarkerWriter markers;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tributary-transaction-coordinator");
        t.setDaemon(true);
        return t;
    });
    private final CoordinatorRuntime<TransactionCoordinatorShard> runtime;
    /** Transactional ids whose markers are being written. */
    private final Set<String> sending = ConcurrentHashMap.newKeySet();

    /** @param producerIds a new producer id without waiting, or a retriable Kafka exception (see the shard) */
    public TransactionCoordinator(InternalTopic logs, TransactionConfig config, LongSupplier producerIds,
                                  MarkerWriter markers) {
        this.logs = logs;
        this.markers = markers;
        this.runtime = new CoordinatorRuntime<>(TOPIC, logs,
                (partition, timer) -> new TransactionCoordinatorShard(config, System::currentTimeMillis, producerIds),
                thread, COMPACT_AFTER_RECORDS);
        thread.scheduleWithFixedDelay(runtime::refresh, 0, REFRESH_MS, TimeUnit.MILLISECONDS);
        thread.scheduleWithFixedDelay(this::writeMarkers, MARKER_RETRY_MS, MARKER_RETRY_MS, TimeUnit.MILLISECONDS);
        thread.scheduleWithFixedDelay(() -> runtime.writeAll(shard -> timerResult(shard.abortTimedOut())),
                config.abortTimedOutIntervalMs(), config.abortTimedOutIntervalMs(), TimeUnit.MILLISECONDS);
        thread.scheduleWithFixedDelay(() -> runtime.writeAll(shard -> timerResult(shard.expireIds())),
                config.removeExpiredIntervalMs(), config.removeExpiredIntervalMs(), TimeUnit.MILLISECONDS);
    }

    private static CoordinatorResult<Void> timerResult(List<io.tributary.coordinator.runtime.CoordinatorRecord> records) {
        return new CoordinatorResult<>(records, null, error -> null);
    }

    /** The {@code __transaction_state} partition that holds a transactional id. */
    public static int partitionFor(String transactionalId, int partitions) {
        return Utils.abs(transactionalId.hashCode()) % partitions;
    }

    public int partitionFor(String transactionalId) {
        return partitionFor(transactionalId, Math.max(1, logs.partitionCount()));
    }

    /**
     * Runs {@code op} on the shard holding {@code transactionalId}, writes its records and completes with
     * the response once they are committed; fails with NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS as
     * Kafka's coordinator would. A decision it wrote gets its markers at once.
     */
    public <T> CompletableFuture<T> write(String transactionalId, Function<TransactionCoordinatorShard, CoordinatorResult<T>> op) {
        CompletableFuture<T> response = runtime.write(partitionFor(transactionalId), op);
        response.whenComplete((r, e) -> thread.execute(this::writeMarkers));
        return response;
    }

    /** Runs {@code op}, which writes nothing, on the shard holding {@code transactionalId}. */
    public <T> CompletableFuture<T> read(String transactionalId, Function<TransactionCoordinatorShard, T> op) {
        return runtime.read(partitionFor(transactionalId), op);
    }

    /** Runs {@code op}, which writes nothing, on every loaded shard. */
    public <T> CompletableFuture<List<T>> readAll(Function<TransactionCoordinatorShard, T> op) {
        return runtime.readAll(op);
    }

    /** Whether some partition this broker leads is still being loaded. */
    public boolean loading() {
        return runtime.anyLoading();
    }

    /** Starts writing the markers of every decided transaction that is not already getting them. */
    private void writeMarkers() {
        runtime.readAll(TransactionCoordinatorShard::preparing).thenAccept(shards -> {
            for (List<TransactionMetadata> preparing : shards) {
                for (TransactionMetadata m : preparing) {
                    if (sending.add(m.transactionalId())) {
                        writeMarkers(m);
                    }
                }
            }
        });
    }

    private void writeMarkers(TransactionMetadata m) {
        int coordinatorEpoch = logs.leaderEpoch(partitionFor(m.transactionalId()));
        boolean commit = m.state() == TransactionState.PREPARE_COMMIT;
        CompletableFuture<Map<TopicPartition, Errors>> written = coordinatorEpoch < 0
                ? CompletableFuture.completedFuture(Map.of())
                : markers.write(m.producerId(), m.producerEpoch(), coordinatorEpoch, commit, m.partitions());
        written.whenComplete((errors, failure) -> {
            boolean done = failure == null && coordinatorEpoch >= 0 && errors.values().stream().allMatch(
                    e -> e == Errors.NONE || e == Errors.UNKNOWN_TOPIC_OR_PARTITION);
            if (!done) {
                if (failure == null && errors.values().stream().anyMatch(
                        e -> e == Errors.INVALID_PRODUCER_EPOCH || e == Errors.TRANSACTION_COORDINATOR_FENCED)) {
                    LOG.warn("markers of transaction {} were refused: {}; a newer producer or coordinator owns it",
                            m.transactionalId(), errors);
                }
                sending.remove(m.transactionalId());
                return;
            }
            runtime.write(partitionFor(m.transactionalId()),
                    shard -> shard.complete(m.transactionalId(), m.producerId(), m.producerEpoch()))
                    .whenComplete((r, e) -> sending.remove(m.transactionalId()));
        });
    }

    @Override
    public void close() {
        runtime.close();
        thread.shutdown();
    }
}
