package io.tributary.coordinator.runtime;

import java.util.List;

/**
 * The state a coordinator keeps for one partition of its internal topic, rebuilt by replaying the
 * partition's records. All calls on a shard (requests, timers, replay) run on the shard's own thread.
 */
public interface CoordinatorShard {
    /** Applies one committed record, in log order: while loading and after every append. */
    void replay(CoordinatorRecord record);

    /** Every live key and value, to rewrite the partition compactly (see the runtime). */
    List<CoordinatorRecord> liveRecords();

    /** Called once loading is done and the shard starts serving requests. */
    void onLoaded();

    /** Called when this broker stops leading the partition: cancel timers, fail waiting requests. */
    void onUnloaded();
}
