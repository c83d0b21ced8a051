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
 * @param leadership     per replica group, what its leader last reported
 * @param fenced         brokers the metadata leader cannot reach
 */
public record MetadataImage(String clusterId, Map<Integer, BrokerInfo> brokers, Map<String, TopicInfo> topics,
                            Map<String, ReplicaGroupInfo> groups, int groupSequence, long nextProducerId,
                            Map<String, GroupLeadership> leadership, java.util.Set<Integer> fenced) {

    public static final MetadataImage EMPTY = new MetadataImage(null, Map.of(), Map.of(), Map.of(), 0, 0, Map.of(),
            java.util.Set.of());

    public MetadataImage {
        brokers = java.util.Collections.unmodifiableMap(new TreeMap<>(brokers));
        topics = java.util.Collections.unmodifiableMap(new TreeMap<>(topics));
        groups = java.util.Collections.unmodifiableMap(new TreeMap<>(groups));
        leadership = java.util.Collections.unmodifiableMap(new TreeMap<>(leadership));
        fenced = java.util.Collections.unmodifiableSet(new java.util.TreeSet<>(fenced));
    }

    /** The same image with some parts replaced; the builder keeps every other part. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Copies an image with changes. */
    public static final class Builder {
        private String clusterId;
        private Map<Integer, BrokerInfo> brokers;
        private Map<String, TopicInfo> topics;
        private Map<String, ReplicaGroupInfo> groups;
        private int groupSequence;
        private long nextProducerId;
        private Map<String, GroupLeadership> leadership;
        private java.util.Set<Integer> fenced;

        private Builder(MetadataImage m) {
            clusterId = m.clusterId;
            brokers = m.brokers;
            topics = m.topics;
            groups = m.groups;
            groupSequence = m.groupSequence;
            nextProducerId = m.nextProducerId;
            leadership = m.leadership;
            fenced = m.fenced;
        }

        public Builder clusterId(String v) {
            clusterId = v;
            return this;
        }

        public Builder brokers(Map<Integer, BrokerInfo> v) {
            brokers = v;
            return this;
        }

        public Builder topics(Map<String, TopicInfo> v) {
            topics = v;
            return this;
        }

        public Builder groups(Map<String, ReplicaGroupInfo> v) {
            groups = v;
            return this;
        }

        public Builder groupSequence(int v) {
            groupSequence = v;
            return this;
        }

        public Builder nextProducerId(long v) {
            nextProducerId = v;
            return this;
        }

        public Builder leadership(Map<String, GroupLeadership> v) {
            leadership = v;
            return this;
        }

        public Builder fenced(java.util.Set<Integer> v) {
            fenced = v;
            return this;
        }

        public MetadataImage build() {
            return new MetadataImage(clusterId, brokers, topics, groups, groupSequence, nextProducerId, leadership, fenced);
        }
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
