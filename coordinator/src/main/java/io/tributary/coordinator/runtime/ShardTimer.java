package io.tributary.coordinator.runtime;

/** Schedules work on a shard's thread, for timeouts such as session expiry and rebalance deadlines. */
public interface ShardTimer {
    /** A scheduled task that can be cancelled. */
    interface Scheduled {
        void cancel();
    }

    Scheduled schedule(long delayMs, Runnable task);
}
