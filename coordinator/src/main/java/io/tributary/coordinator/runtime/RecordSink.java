package io.tributary.coordinator.runtime;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a coordinator shard writes its records. The runtime appends them to the shard's partition
 * through Raft; once they are committed it replays them into the shard (on the shard's thread) and only
 * then completes the future. A shard therefore changes durable state only in
 * {@link CoordinatorShard#replay}. The future fails (with a Kafka ApiException, typically
 * NotCoordinatorException) when the records could not be committed.
 */
public interface RecordSink {
    CompletableFuture<Void> append(List<CoordinatorRecord> records);
}
