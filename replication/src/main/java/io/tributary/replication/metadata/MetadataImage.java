package io.tributary.replication.metadata;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;

/**
 * An immutable view of the cluster's metadata at one point of the metadata log. Readers take the
 * current image and never see it change; each applied command produces a new one.
 *
 * @param clusterId      the cluster's id, chosen by the first broker to register
 * @param brokers        registered brokers by id
 * @param topics         topics by name
 * @param groups         replica groups by id
 * @param replicaGroupSequence  how many replica groups were ever created (names the next one)
 * @param nextProducerId the first producer id not yet handed out
 * @param leadership     per replica group, what its leader last reported
 * @param fenced         brokers the metadata leader cannot reach
 */
public final class MetadataImage {
    public static final MetadataImage EMPTY = new MetadataImage(null, Map.of(), Map.of(), Map.of(), 0, 0, Map.of(), Set.of());

    private final String clusterId;
    private final Map<Integer, BrokerInfo> brokers;
    private final Map<String, TopicInfo> topics;
    private final Map<Uuid, TopicInfo> topicsById;
    private final Map<String, ReplicaGroupInfo> groups;
    private final int replicaGroupSequence;
    private final long nextProducerId;
    private final Map<String, LeaderReport> leadership;
    private final Set<Integer> fenced;

    public MetadataImage(String clusterId, Map<Integer, BrokerInfo> brokers, Map<String, TopicInfo> topics,
                         Map<String, ReplicaGroupInfo> groups, int replicaGroupSequence, long nextProducerId,
                         Map<String, LeaderReport> leadership, Set<Integer> fenced) {
        this.clusterId = clusterId;
        this.brokers = Collections.unmodifiableMap(new TreeMap<>(brokers));
        this.topics = Collections.unmodifiableMap(new TreeMap<>(topics));
        Map<Uuid, TopicInfo> byId = new HashMap<>();
        topics.values().forEach(t -> byId.put(t.id(), t));
        this.topicsById = Collections.unmodifiableMap(byId);
        this.groups = Collections.unmodifiableMap(new TreeMap<>(groups));
        this.replicaGroupSequence = replicaGroupSequence;
        this.nextProducerId = nextProducerId;
        this.leadership = Collections.unmodifiableMap(new TreeMap<>(leadership));
        this.fenced = Collections.unmodifiableSet(new TreeSet<>(fenced));
    }

    public String clusterId() {
        return clusterId;
    }

    public Map<Integer, BrokerInfo> brokers() {
        return brokers;
    }

    public Map<String, TopicInfo> topics() {
        return topics;
    }

    public Map<String, ReplicaGroupInfo> replicaGroups() {
        return groups;
    }

    public int replicaGroupSequence() {
        return replicaGroupSequence;
    }

    public long nextProducerId() {
        return nextProducerId;
    }

    public Map<String, LeaderReport> leadership() {
        return leadership;
    }

    public Set<Integer> fenced() {
        return fenced;
    }

    public Optional<TopicInfo> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    public Optional<TopicInfo> topic(Uuid id) {
        return Optional.ofNullable(topicsById.get(id));
    }

    /** A topic as a request names it: by name, or by id when the name is left empty. */
    public Optional<TopicInfo> topic(TopicRef ref) {
        if (!ref.byId()) {
            return topic(ref.name());
        }
        return ref.id() == null ? Optional.empty() : topic(ref.id());
    }

    /** Whether the topic exists and has this partition. */
    public boolean hasPartition(String topic, int partition) {
        TopicInfo t = topics.get(topic);
        return t != null && partition >= 0 && partition < t.partitionCount();
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
        private int replicaGroupSequence;
        private long nextProducerId;
        private Map<String, LeaderReport> leadership;
        private Set<Integer> fenced;

        private Builder(MetadataImage m) {
            clusterId = m.clusterId;
            brokers = m.brokers;
            topics = m.topics;
            groups = m.groups;
            replicaGroupSequence = m.replicaGroupSequence;
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

        public Builder replicaGroups(Map<String, ReplicaGroupInfo> v) {
            groups = v;
            return this;
        }

        public Builder replicaGroupSequence(int v) {
            replicaGroupSequence = v;
            return this;
        }

        public Builder nextProducerId(long v) {
            nextProducerId = v;
            return this;
        }

        public Builder leadership(Map<String, LeaderReport> v) {
            leadership = v;
            return this;
        }

        public Builder fenced(Set<Integer> v) {
            fenced = v;
            return this;
        }

        public MetadataImage build() {
            return new MetadataImage(clusterId, brokers, topics, groups, replicaGroupSequence, nextProducerId, leadership, fenced);
        }
    }
}
