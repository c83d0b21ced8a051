package io.tributary.coordinator.runtime;

import java.util.List;
import java.util.function.Consumer;

/**
 * Schedules work on a shard's thread, for timeouts such as session expiry and rebalance deadlines. A
 * task may add records to the list it is given; the runtime writes them as it writes a request's.
 */
public interface ShardTimer {
    /** A scheduled task that can be cancelled. */
    interface Scheduled {
        void cancel();
    }

    Scheduled schedule(long delayMs, Consumer<List<CoordinatorRecord>> task);
}
