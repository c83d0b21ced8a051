package io.tributary.coordinator.runtime;

import java.util.List;
import org.apache.kafka.common.protocol.Errors;

/**
 * The state a coordinator keeps for one partition of its internal topic, rebuilt by replaying the
 * partition's records. Requests are answered with {@link CoordinatorResult}s; durable state changes only
 * in {@link #replay}. All calls on a shard (requests, timers, replay) run on the shard's own thread.
 */
public interface CoordinatorShard {
    /** Applies one committed record, in log order: while loading and after every write. */
    void replay(CoordinatorRecord record);

    /**
     * Applies a committed record that the producer's transaction wrote: it takes effect only with the
     * producer's commit marker. Only shards that make transactional writes get these.
     */
    default void replayTransactional(long producerId, CoordinatorRecord record) {
        throw new IllegalStateException(getClass().getSimpleName() + " writes no transactional records");
    }

    /** Applies a transaction marker: the producer's pending records take effect (commit) or are dropped. */
    default void replayMarker(long producerId, boolean commit) {
    }

    /**
     * Records of a result or a timer that could not be written, with the error: whatever waits for them
     * learns of it, and transient state that assumed them is given up (nothing durable changed). Returns
     * records to write in their place, if giving up calls for any.
     */
    List<CoordinatorRecord> writeFailed(List<CoordinatorRecord> records, Errors error);

    /** Every live key and value, to rewrite the partition compactly (see the runtime). */
    List<CoordinatorRecord> liveRecords();

    /** Called once loading is done and the shard starts serving requests. */
    void onLoaded();

    /** Called when this broker stops leading the partition: cancel timers, fail waiting requests. */
    void onUnloaded();
}
