package io.tributary.coordinator.group;

import io.tributary.coordinator.group.GroupRecords.GroupValue;
import io.tributary.coordinator.runtime.CoordinatorRecord;
import io.tributary.coordinator.runtime.RecordSink;
import io.tributary.coordinator.runtime.ShardTimer;
import org.apache.kafka.common.protocol.Errors;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.LongSupplier;

/** The state one shard's handlers share. Everything here is touched on the shard's thread only. */
final class ShardContext {
    enum Phase { LOADING, ACTIVE, UNLOADED }

    final GroupConfig config;
    final LongSupplier clock;
    final ShardTimer timer;
    private final RecordSink sink;

    /** Live groups: the persisted ones plus transient ones that are forming. */
    final Map<String, ClassicGroup> groups = new HashMap<>();
    /** The last GroupMetadata value replayed per group: what a reload would start from. */
    final Map<String, GroupValue> persistedGroups = new HashMap<>();
    final OffsetStore offsets = new OffsetStore();
    Phase phase = Phase.LOADING;

    ShardContext(GroupConfig config, LongSupplier clock, ShardTimer timer, RecordSink sink) {
        this.config = config;
        this.clock = clock;
        this.timer = timer;
        this.sink = sink;
    }

    long now() {
        return clock.getAsLong();
    }

    /** NONE while serving, otherwise the error a request gets. */
    Errors availability() {
        return switch (phase) {
            case LOADING -> Errors.COORDINATOR_LOAD_IN_PROGRESS;
            case ACTIVE -> Errors.NONE;
            case UNLOADED -> Errors.NOT_COORDINATOR;
        };
    }

    /** Whether the group is still the live one for its id (timers and write callbacks may outlive it). */
    boolean isCurrent(ClassicGroup group) {
        return phase == Phase.ACTIVE && groups.get(group.groupId()) == group;
    }

    ClassicGroup createGroup(String groupId) {
        ClassicGroup group = ClassicGroup.empty(groupId, clock, timer);
        groups.put(groupId, group);
        return group;
    }

    /** Forgets an empty group that never reached the log and holds nothing. */
    void dropIfUnused(ClassicGroup group) {
        String id = group.groupId();
        if (isCurrent(group) && group.is(GroupState.EMPTY) && group.size() == 0 && group.pendingMemberCount() == 0
                && !persistedGroups.containsKey(id) && !offsets.hasOffsets(id) && !offsets.hasInFlight(id)) {
            group.cancelTimers();
            groups.remove(id);
        }
    }

    CompletableFuture<Void> append(List<CoordinatorRecord> records) {
        try {
            return sink.append(records);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The error a client gets when its records could not be written, mapped as Kafka's coordinator does. */
    static Errors appendError(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        Errors error = Errors.forException(cause);
        return switch (error) {
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT ->
                    Errors.COORDINATOR_NOT_AVAILABLE;
            case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR -> Errors.NOT_COORDINATOR;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE -> Errors.UNKNOWN_SERVER_ERROR;
            case NONE -> Errors.UNKNOWN_SERVER_ERROR;
            default -> error;
        };
    }

    static boolean isValidGroupId(String groupId) {
        return groupId != null && !groupId.isEmpty();
    }
}
