package io.tributary.replication.partition;

import io.tributary.replication.replica.PartitionKey;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lets a waiting reader (a long-polling fetch) hear about the next append to any of some partitions.
 * A watch fires at most once; the callback runs on the apply thread, so it must only hand off work.
 */
public final class AppendWatchers {
    private final Map<PartitionKey, Set<Watch>> watches = new ConcurrentHashMap<>();

    /** A registered interest; {@link #cancel()} it when the reader stops waiting. */
    public final class Watch {
        private final Collection<PartitionKey> keys;
        private final Runnable callback;

        private Watch(Collection<PartitionKey> keys, Runnable callback) {
            this.keys = keys;
            this.callback = callback;
        }

        public void cancel() {
            for (PartitionKey key : keys) {
                watches.computeIfPresent(key, (k, set) -> {
                    set.remove(this);
                    return set.isEmpty() ? null : set;
                });
            }
        }
    }

    public Watch watch(Collection<PartitionKey> keys, Runnable callback) {
        Watch w = new Watch(keys, callback);
        for (PartitionKey key : keys) {
            // Added inside the map's update of the key, never to a set that appended() already took away.
            watches.compute(key, (k, set) -> {
                Set<Watch> current = set == null ? ConcurrentHashMap.newKeySet() : set;
                current.add(w);
                return current;
            });
        }
        return w;
    }

    /** Fires and removes every watch on {@code key}. */
    public void appended(PartitionKey key) {
        Set<Watch> fired = watches.remove(key);
        if (fired != null) {
            for (Watch w : fired) {
                w.cancel();
                w.callback.run();
            }
        }
    }
}
