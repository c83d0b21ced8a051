package io.tributary.replication.metadata;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;

/**
 * An immutable view of the cluster's metadata at one point of the metadata log. Readers take the
 * current image and never see it change; each applied command produces a new one.
 *
 * @param clusterId      the cluster's id, chosen by the first broker to register
 * @param brokers        registered brokers by id
 * @param topics         topics by name
 * @param groups         replica groups by id
 * @param groupSequence  how many replica groups were ever created (names the next one)
 * @param nextProducerId the first producer id not yet handed out
 */
public record MetadataImage(String clusterId, Map<Integer, BrokerInfo> brokers, Map<String, TopicInfo> topics,
                            Map<String, ReplicaGroupInfo> groups, int groupSequence, long nextProducerId) {

    public static final MetadataImage EMPTY = new MetadataImage(null, Map.of(), Map.of(), Map.of(), 0, 0);

    public MetadataImage {
        brokers = java.util.Collections.unmodifiableMap(new TreeMap<>(brokers));
        topics = java.util.Collections.unmodifiableMap(new TreeMap<>(topics));
        groups = java.util.Collections.unmodifiableMap(new TreeMap<>(groups));
    }

    public Optional<TopicInfo> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    public Optional<TopicInfo> topic(Uuid id) {
        return topics.values().stream().filter(t -> t.id().equals(id)).findFirst();
    }

    /** The replica group hosting a partition, if the topic and partition exist. */
    public Optional<ReplicaGroupInfo> groupOf(String topic, int partition) {
        TopicInfo t = topics.get(topic);
        if (t == null || partition < 0 || partition >= t.partitionCount()) {
            return Optional.empty();
        }
        return Optional.ofNullable(groups.get(t.partitionGroups().get(partition)));
    }
}
