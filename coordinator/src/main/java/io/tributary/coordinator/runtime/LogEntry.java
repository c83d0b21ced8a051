package io.tributary.coordinator.runtime;

/** One entry of an internal topic partition as a shard replays it while loading. */
public sealed interface LogEntry {
    /** Hands the entry to the shard. */
    void replayInto(CoordinatorShard shard);

    /** A record, written in a producer's transaction when {@code producerId} is not -1. */
    record Written(CoordinatorRecord record, long producerId) implements LogEntry {
        @Override
        public void replayInto(CoordinatorShard shard) {
            if (producerId < 0) {
                shard.replay(record);
            } else {
                shard.replayTransactional(producerId, record);
            }
        }
    }

    /** A transaction marker: the producer's records before it take effect (commit) or never do. */
    record Marker(long producerId, boolean commit) implements LogEntry {
        @Override
        public void replayInto(CoordinatorShard shard) {
            shard.replayMarker(producerId, commit);
        }
    }
}
