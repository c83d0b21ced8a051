package io.tributary.coordinator.group;

import io.tributary.coordinator.group.GroupRecords.GroupValue;
import io.tributary.coordinator.runtime.ShardTimer;
import org.apache.kafka.common.protocol.Errors;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/** The state one shard's handlers share. Everything here is touched on the shard's thread only. */
final class ShardContext {
    enum Phase { LOADING, ACTIVE, UNLOADED }

    final GroupConfig config;
    final LongSupplier clock;
    final ShardTimer timer;

    /** Live groups: the persisted ones plus transient ones that are forming. */
    final Map<String, ClassicGroup> groups = new HashMap<>();
    /** The last GroupMetadata value replayed per group: what a reload would start from. */
    final Map<String, GroupValue> persistedGroups = new HashMap<>();
    final OffsetStore offsets = new OffsetStore();
    Phase phase = Phase.LOADING;

    ShardContext(GroupConfig config, LongSupplier clock, ShardTimer timer) {
        this.config = config;
        this.clock = clock;
        this.timer = timer;
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

    /** Whether the group is still the live one for its id (a timer may outlive it). */
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

    static boolean isValidGroupId(String groupId) {
        return groupId != null && !groupId.isEmpty();
    }
}
