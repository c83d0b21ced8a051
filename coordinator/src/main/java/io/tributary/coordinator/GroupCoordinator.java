package io.tributary.coordinator;

import io.tributary.coordinator.group.GroupConfig;
import io.tributary.coordinator.group.GroupCoordinatorShard;
import io.tributary.coordinator.runtime.CoordinatorResult;
import io.tributary.coordinator.runtime.CoordinatorRuntime;
import io.tributary.coordinator.runtime.InternalTopic;
import io.tributary.coordinator.runtime.TransactionalWrite;
import java.io.Closeable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.common.utils.Utils;

/**
 * The consumer group coordinator of this broker: one {@link GroupCoordinatorShard} per partition of
 * {@code __consumer_offsets} that this broker leads. A group belongs to partition
 * {@code abs(hash(group)) % partitions}, as in Kafka.
 */
public final class GroupCoordinator implements Closeable {
    public static final String TOPIC = "__consumer_offsets";
    private static final long REFRESH_MS = 200;
    private static final long COMPACT_AFTER_RECORDS = 10_000;

    private final InternalTopic logs;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tributary-group-coordinator");
        t.setDaemon(true);
        return t;
    });
    private final CoordinatorRuntime<GroupCoordinatorShard> runtime;

    public GroupCoordinator(InternalTopic logs, GroupConfig config) {
        this.logs = logs;
        this.runtime = new CoordinatorRuntime<>(TOPIC, logs,
                (partition, timer) -> new GroupCoordinatorShard(config, System::currentTimeMillis, timer),
                thread, COMPACT_AFTER_RECORDS);
        thread.scheduleWithFixedDelay(runtime::refresh, 0, REFRESH_MS, TimeUnit.MILLISECONDS);
        long expiry = config.offsetsRetentionCheckIntervalMs();
        thread.scheduleWithFixedDelay(() -> runtime.writeAll(GroupCoordinatorShard::expireOffsets), expiry, expiry,
                TimeUnit.MILLISECONDS);
    }

    /** The {@code __consumer_offsets} partition that holds a group. */
    public static int partitionFor(String groupId, int partitions) {
        return Utils.abs(groupId.hashCode()) % partitions;
    }

    public int partitionFor(String groupId) {
        return partitionFor(groupId, Math.max(1, logs.partitionCount()));
    }

    /**
     * Runs {@code op} on the shard holding {@code groupId}, writes the records of its result, and completes
     * with the response once they are committed; fails with NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS
     * as Kafka's coordinator would.
     */
    public <T> CompletableFuture<T> write(String groupId, Function<GroupCoordinatorShard, CoordinatorResult<T>> op) {
        return runtime.write(partitionFor(groupId), op);
    }

    /**
     * As {@link #write}, with the records written in a producer's transaction (TxnOffsetCommit): they take
     * effect with the transaction's commit marker.
     */
    public <T> CompletableFuture<T> write(String groupId, TransactionalWrite txn,
                                         Function<GroupCoordinatorShard, CoordinatorResult<T>> op) {
        return runtime.write(partitionFor(groupId), txn, op);
    }

    /** The offset of the producer's last transaction marker in the group's partition, -1 if none. */
    public long lastMarkerOffset(String groupId, long producerId) {
        return logs.lastMarkerOffset(partitionFor(groupId), producerId);
    }

    /**
     * Writes a transaction marker to a partition of {@code __consumer_offsets} this broker leads and applies
     * it (WriteTxnMarkers): completes once the producer's offsets took effect or were dropped.
     */
    public CompletableFuture<Void> writeMarker(int partition, long producerId, short producerEpoch, int coordinatorEpoch,
                                               boolean commit) {
        return runtime.writeMarker(partition, producerId, producerEpoch, coordinatorEpoch, commit);
    }

    /** Runs {@code op}, which writes nothing, on the shard holding {@code groupId}; fails as {@link #write} does. */
    public <T> CompletableFuture<T> read(String groupId, Function<GroupCoordinatorShard, T> op) {
        return runtime.read(partitionFor(groupId), op);
    }

    /** Runs {@code op}, which writes nothing, on every loaded shard. */
    public <T> CompletableFuture<List<T>> readAll(Function<GroupCoordinatorShard, T> op) {
        return runtime.readAll(op);
    }

    /** Whether some partition this broker leads is still being loaded. */
    public boolean loading() {
        return runtime.anyLoading();
    }

    @Override
    public void close() {
        runtime.close();
        thread.shutdown();
    }
}
