package io.tributary.replication.replica;

import org.apache.kafka.common.Uuid;

/** A partition by topic id, so that a re-created topic of the same name is a different partition. */
public record PartitionKey(Uuid topicId, int partition) {
    @Override
    public String toString() {
        return topicId + "-" + partition;
    }
}
