package io.tributary.coordinator.group;

import io.tributary.coordinator.runtime.CoordinatorRecord;
import io.tributary.coordinator.runtime.ShardTimer;
import java.util.List;
import java.util.function.Consumer;

/**
 * At most one pending timeout, e.g. a member's session expiry. Scheduling replaces the previous task. A
 * task that fires after it was replaced or cancelled does nothing, so callers never see stale timeouts
 * even if the timer cannot cancel a task that is already queued.
 */
final class TimerSlot {
    private final ShardTimer timer;
    private ShardTimer.Scheduled scheduled;
    private long token;

    TimerSlot(ShardTimer timer) {
        this.timer = timer;
    }

    /** Schedules {@code task}, which may add records for the runtime to write. */
    void schedule(long delayMs, Consumer<List<CoordinatorRecord>> task) {
        cancel();
        long mine = token;
        scheduled = timer.schedule(Math.max(0, delayMs), records -> {
            if (token == mine) {
                scheduled = null;
                token++;
                task.accept(records);
            }
        });
    }

    void cancel() {
        token++;
        if (scheduled != null) {
            scheduled.cancel();
            scheduled = null;
        }
    }

    boolean isScheduled() {
        return scheduled != null;
    }
}
