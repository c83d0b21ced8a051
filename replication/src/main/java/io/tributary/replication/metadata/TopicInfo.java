package io.tributary.replication.metadata;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * A topic: its id, its configuration overrides (Kafka's topic-level names) and, for each partition,
 * the replica group hosting it (index = partition number).
 */
public record TopicInfo(String name, Uuid id, int replicationFactor, Map<String, String> configs, List<String> partitionGroups) {
    public TopicInfo {
        configs = Map.copyOf(configs);
        partitionGroups = List.copyOf(partitionGroups);
    }

    public int partitionCount() {
        return partitionGroups.size();
    }

    public boolean isInternal() {
        return name.startsWith("__");
    }
}
