package io.tributary.replication.metadata;

import io.tributary.replication.codec.ByteReader;
import io.tributary.replication.codec.ByteWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.protocol.Errors;

/**
 * The cluster's metadata as a fold over {@link MetadataCommand}s: the domain behind the metadata
 * state machine. {@link #apply} is deterministic, so every broker that applies the same log holds the
 * same image, and decides everything the commands leave open (partition placement, new replica groups).
 */
public final class ClusterMetadata {
    private static final int SNAPSHOT_VERSION = 1;

    private volatile MetadataImage image = MetadataImage.EMPTY;

    public MetadataImage image() {
        return image;
    }

    public void restore(MetadataImage restored) {
        image = restored;
    }

    public MetadataResult apply(MetadataCommand command) {
        MetadataImage current = image;
        Outcome outcome;
        if (command instanceof MetadataCommand.RegisterBroker c) {
            Map<Integer, BrokerInfo> brokers = new HashMap<>(current.brokers());
            brokers.put(c.broker().id(), c.broker());
            String clusterId = current.clusterId() != null ? current.clusterId() : c.clusterId();
            Set<Integer> fenced = new HashSet<>(current.fenced());
            fenced.remove(c.broker().id());
            outcome = new Outcome(current.toBuilder().clusterId(clusterId).brokers(brokers).fenced(fenced).build(), MetadataResult.OK);
        } else if (command instanceof MetadataCommand.CreateTopic c) {
            outcome = createTopic(current, c);
        } else if (command instanceof MetadataCommand.DeleteTopic c) {
            outcome = deleteTopic(current, c);
        } else if (command instanceof MetadataCommand.CreatePartitions c) {
            outcome = createPartitions(current, c);
        } else if (command instanceof MetadataCommand.SetTopicConfigs c) {
            outcome = setConfigs(current, c);
        } else if (command instanceof MetadataCommand.AllocateProducerIds c) {
            long first = current.nextProducerId();
            outcome = new Outcome(current.toBuilder().nextProducerId(first + c.count()).build(),
                    new MetadataResult(Errors.NONE, null, first));
        } else if (command instanceof MetadataCommand.ReportLeader c) {
            LeaderReport known = current.leadership().get(c.groupId());
            if (known != null && known.term() > c.term()) {
                outcome = new Outcome(current, MetadataResult.OK);
            } else {
                Map<String, LeaderReport> leadership = new HashMap<>(current.leadership());
                leadership.put(c.groupId(), new LeaderReport(c.leader(), c.term(), c.inSync()));
                outcome = new Outcome(current.toBuilder().leadership(leadership).build(), MetadataResult.OK);
            }
        } else if (command instanceof MetadataCommand.FenceBroker c) {
            Set<Integer> fenced = new HashSet<>(current.fenced());
            if (c.fenced()) {
                fenced.add(c.brokerId());
            } else {
                fenced.remove(c.brokerId());
            }
            outcome = new Outcome(current.toBuilder().fenced(fenced).build(), MetadataResult.OK);
        } else {
            throw new IllegalArgumentException("unknown command " + command);
        }
        image = outcome.image();
        return outcome.result();
    }

    private record Outcome(MetadataImage image, MetadataResult result) {
        static Outcome unchanged(MetadataImage image, Errors error, String message) {
            return new Outcome(image, MetadataResult.error(error, message));
        }
    }

    /** Checks a topic creation against an image without applying it (also used for validate-only). */
    public static MetadataResult validateCreate(MetadataImage image, String name, int partitions, int replicationFactor) {
        try {
            Topic.validate(name);
        } catch (InvalidTopicException e) {
            return MetadataResult.error(Errors.INVALID_TOPIC_EXCEPTION, e.getMessage());
        }
        if (image.topics().containsKey(name)) {
            return MetadataResult.error(Errors.TOPIC_ALREADY_EXISTS, "Topic '" + name + "' already exists.");
        }
        for (String existing : image.topics().keySet()) {
            if (Topic.hasCollision(name, existing)) {
                return MetadataResult.error(Errors.INVALID_TOPIC_EXCEPTION,
                        "Topic '" + name + "' collides with existing topic: " + existing);
            }
        }
        if (partitions < 1) {
            return MetadataResult.error(Errors.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
        }
        if (replicationFactor < 1) {
            return MetadataResult.error(Errors.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0.");
        }
        if (replicationFactor > image.brokers().size()) {
            return MetadataResult.error(Errors.INVALID_REPLICATION_FACTOR, "Unable to replicate the partition "
                    + replicationFactor + " time(s): The target replication factor of " + replicationFactor
                    + " cannot be reached because only " + image.brokers().size() + " broker(s) are registered.");
        }
        return MetadataResult.OK;
    }

    private Outcome createTopic(MetadataImage current, MetadataCommand.CreateTopic c) {
        MetadataResult valid = validateCreate(current, c.name(), c.partitions(), c.replicationFactor());
        if (!valid.isOk()) {
            return new Outcome(current, valid);
        }
        Placement placement = new Placement(current, c.replicationFactor(), c.groupsPerBroker());
        List<String> assigned = new ArrayList<>();
        for (int p = 0; p < c.partitions(); p++) {
            assigned.add(placement.next());
        }
        Map<String, TopicInfo> topics = new HashMap<>(current.topics());
        topics.put(c.name(), new TopicInfo(c.name(), c.id(), c.replicationFactor(), c.configs(), assigned));
        return new Outcome(placement.image(topics), MetadataResult.OK);
    }

    private Outcome deleteTopic(MetadataImage current, MetadataCommand.DeleteTopic c) {
        if (!current.topics().containsKey(c.name())) {
            return Outcome.unchanged(current, Errors.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + c.name() + "' does not exist.");
        }
        Map<String, TopicInfo> topics = new HashMap<>(current.topics());
        topics.remove(c.name());
        return new Outcome(current.toBuilder().topics(topics).build(), MetadataResult.OK);
    }

    private Outcome createPartitions(MetadataImage current, MetadataCommand.CreatePartitions c) {
        TopicInfo topic = current.topics().get(c.name());
        if (topic == null) {
            return Outcome.unchanged(current, Errors.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + c.name() + "' does not exist.");
        }
        if (c.totalPartitions() <= topic.partitionCount()) {
            return Outcome.unchanged(current, Errors.INVALID_PARTITIONS, "Topic currently has " + topic.partitionCount()
                    + " partitions, which is higher than the requested " + c.totalPartitions() + ".");
        }
        Placement placement = new Placement(current, topic.replicationFactor(), c.groupsPerBroker());
        List<String> assigned = new ArrayList<>(topic.partitionGroups());
        while (assigned.size() < c.totalPartitions()) {
            assigned.add(placement.next());
        }
        Map<String, TopicInfo> topics = new HashMap<>(current.topics());
        topics.put(c.name(), new TopicInfo(topic.name(), topic.id(), topic.replicationFactor(), topic.configs(), assigned));
        return new Outcome(placement.image(topics), MetadataResult.OK);
    }

    private Outcome setConfigs(MetadataImage current, MetadataCommand.SetTopicConfigs c) {
        TopicInfo topic = current.topics().get(c.name());
        if (topic == null) {
            return Outcome.unchanged(current, Errors.UNKNOWN_TOPIC_OR_PARTITION, "Topic '" + c.name() + "' does not exist.");
        }
        Map<String, TopicInfo> topics = new HashMap<>(current.topics());
        topics.put(c.name(), new TopicInfo(topic.name(), topic.id(), topic.replicationFactor(), c.configs(), topic.partitionGroups()));
        return new Outcome(current.toBuilder().topics(topics).build(), MetadataResult.OK);
    }

    /**
     * Places new partitions on replica groups of the topic's replication factor: first makes sure there
     * are {@code brokers * groupsPerBroker / rf} such groups (new ones rotate their preferred leader over
     * the brokers), then gives each partition the group with the fewest partitions.
     */
    private static final class Placement {
        private final MetadataImage base;
        private final Map<String, ReplicaGroupInfo> groups;
        private final Map<String, Integer> load = new HashMap<>();
        private final List<String> candidates = new ArrayList<>();
        private int sequence;

        Placement(MetadataImage base, int replicationFactor, int groupsPerBroker) {
            this.base = base;
            this.groups = new HashMap<>(base.replicaGroups());
            this.sequence = base.replicaGroupSequence();
            List<Integer> brokers = new ArrayList<>(base.brokers().keySet());
            for (ReplicaGroupInfo g : base.replicaGroups().values()) {
                if (g.replicas().size() == replicationFactor && brokers.containsAll(g.replicas())) {
                    candidates.add(g.id());
                }
            }
            int target = Math.max(1, brokers.size() * Math.max(1, groupsPerBroker) / replicationFactor);
            while (candidates.size() < target) {
                List<Integer> replicas = new ArrayList<>();
                for (int j = 0; j < replicationFactor; j++) {
                    replicas.add(brokers.get((sequence + j) % brokers.size()));
                }
                String id = UUID.nameUUIDFromBytes(("tributary-replica-group-" + sequence).getBytes(StandardCharsets.UTF_8)).toString();
                sequence++;
                groups.put(id, new ReplicaGroupInfo(id, replicas));
                candidates.add(id);
            }
            for (TopicInfo t : base.topics().values()) {
                for (String g : t.partitionGroups()) {
                    load.merge(g, 1, Integer::sum);
                }
            }
        }

        String next() {
            String best = candidates.stream()
                    .min(Comparator.<String>comparingInt(g -> load.getOrDefault(g, 0)).thenComparing(g -> g))
                    .orElseThrow();
            load.merge(best, 1, Integer::sum);
            return best;
        }

        MetadataImage image(Map<String, TopicInfo> topics) {
            return base.toBuilder().topics(topics).replicaGroups(groups).replicaGroupSequence(sequence).build();
        }
    }

    /**
     * Encodes an image for a snapshot: {@code version:int16 (=1)}, cluster id, brokers, replica groups,
     * topics, replica group sequence, next producer id, leader reports, fenced brokers.
     */
    public static ByteBuffer encode(MetadataImage m) {
        ByteWriter w = new ByteWriter(4096);
        w.putVersion(SNAPSHOT_VERSION).putString(m.clusterId());
        w.putInt(m.brokers().size());
        for (BrokerInfo b : m.brokers().values()) {
            w.putInt(b.id()).putString(b.host()).putInt(b.port()).putString(b.raftAddress());
        }
        w.putInt(m.replicaGroups().size());
        for (ReplicaGroupInfo g : m.replicaGroups().values()) {
            w.putString(g.id()).putInt(g.replicas().size());
            g.replicas().forEach(w::putInt);
        }
        w.putInt(m.topics().size());
        for (TopicInfo t : m.topics().values()) {
            w.putString(t.name()).putUuid(t.id()).putInt(t.replicationFactor()).putStringMap(t.configs());
            w.putInt(t.partitionCount());
            t.partitionGroups().forEach(w::putString);
        }
        w.putInt(m.replicaGroupSequence()).putLong(m.nextProducerId());
        w.putInt(m.leadership().size());
        m.leadership().forEach((g, l) -> {
            w.putString(g).putInt(l.leader()).putLong(l.term()).putInt(l.inSync().size());
            l.inSync().forEach(w::putInt);
        });
        w.putInt(m.fenced().size());
        m.fenced().forEach(w::putInt);
        return w.toBuffer();
    }

    public static MetadataImage decode(ByteBuffer bytes) {
        ByteReader r = new ByteReader(bytes);
        r.version(SNAPSHOT_VERSION, "metadata snapshot");
        String clusterId = r.getString();
        Map<Integer, BrokerInfo> brokers = new HashMap<>();
        for (int i = r.count(); i > 0; i--) {
            BrokerInfo b = new BrokerInfo(r.getInt(), r.getString(), r.getInt(), r.getString());
            brokers.put(b.id(), b);
        }
        Map<String, ReplicaGroupInfo> groups = new HashMap<>();
        for (int i = r.count(); i > 0; i--) {
            String id = r.getString();
            List<Integer> replicas = new ArrayList<>();
            for (int j = r.count(); j > 0; j--) {
                replicas.add(r.getInt());
            }
            groups.put(id, new ReplicaGroupInfo(id, replicas));
        }
        Map<String, TopicInfo> topics = new HashMap<>();
        for (int i = r.count(); i > 0; i--) {
            String name = r.getString();
            Uuid id = r.getUuid();
            int rf = r.getInt();
            Map<String, String> configs = r.getStringMap();
            List<String> partitionGroups = new ArrayList<>();
            for (int j = r.count(); j > 0; j--) {
                partitionGroups.add(r.getString());
            }
            topics.put(name, new TopicInfo(name, id, rf, configs, partitionGroups));
        }
        int groupSequence = r.getInt();
        long nextProducerId = r.getLong();
        Map<String, LeaderReport> leadership = new HashMap<>();
        for (int i = r.count(); i > 0; i--) {
            String g = r.getString();
            int leader = r.getInt();
            long term = r.getLong();
            List<Integer> inSync = new ArrayList<>();
            for (int j = r.count(); j > 0; j--) {
                inSync.add(r.getInt());
            }
            leadership.put(g, new LeaderReport(leader, term, inSync));
        }
        Set<Integer> fenced = new HashSet<>();
        for (int i = r.count(); i > 0; i--) {
            fenced.add(r.getInt());
        }
        r.expectEnd();
        return new MetadataImage(clusterId, brokers, topics, groups, groupSequence, nextProducerId, leadership, fenced);
    }
}
