package io.tributary.replication;

import io.tributary.replication.metadata.LeaderReport;
import io.tributary.replication.metadata.MetadataCommand;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.ReplicaGroupInfo;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.replication.replica.PartitionKey;
import io.tributary.replication.replica.PartitionReplica;
import io.tributary.replication.replica.ReplicaGroup;
import io.tributary.replication.replica.ReplicaGroupCommand;
import io.tributary.replication.replica.ReplicaGroups;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftGroupId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes this broker match the metadata: hosts the replica groups it is a member of, and, for the groups
 * it leads, puts the partitions the metadata places there into the group's log (or removes them). Also
 * applies topic config changes to local logs. Runs on its own thread whenever metadata or leadership
 * changes, and every few seconds as a safety net, so a crash between steps heals by itself.
 */
final class Reconciler implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

    /** How long a metadata group member may be silent before it is reported unreachable. */
    private static final long UNREACHABLE_AFTER_MS = 3000;

    private final RaftNode node;
    private final ReplicaGroups replicaGroups;
    private final Supplier<MetadataImage> metadata;
    private final Function<MetadataCommand, CompletableFuture<?>> propose;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tributary-reconciler");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean pending = new AtomicBoolean();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

    /** @param propose submits a metadata command through the metadata group */
    Reconciler(RaftNode node, ReplicaGroups replicaGroups, Supplier<MetadataImage> metadata,
               Function<MetadataCommand, CompletableFuture<?>> propose) {
        this.node = node;
        this.replicaGroups = replicaGroups;
        this.metadata = metadata;
        this.propose = propose;
    }

    void start() {
        executor.scheduleWithFixedDelay(this::trigger, 2, 2, TimeUnit.SECONDS);
    }

    /** Asks for a pass soon; several requests before it runs make one pass. */
    void trigger() {
        if (!pending.compareAndSet(false, true)) {
            return;
        }
        try {
            executor.execute(() -> {
                pending.set(false);
                try {
                    reconcile(metadata.get());
                } catch (RuntimeException e) {
                    LOG.warn("reconciliation pass failed; retrying shortly", e);
                }
            });
        } catch (RejectedExecutionException e) {
            // Shutting down: metadata still applies while Ratis closes, and nothing needs reconciling.
        }
    }

    private void reconcile(MetadataImage image) {
        hostGroups(image);
        reportFencing(image);
        Map<String, Map<PartitionKey, ReplicaGroupCommand.NewPartition>> expected = expectedPartitions(image);
        for (ReplicaGroup group : replicaGroups.all()) {
            applyConfigs(group, image);
            RaftGroupId raftGroup = raftGroupId(group.groupId());
            if (node.isLeader(raftGroup) && !inFlight.contains(group.groupId())) {
                syncPartitions(group, raftGroup, expected.getOrDefault(group.groupId(), Map.of()));
                reportLeadership(image, group.groupId(), raftGroup);
            }
        }
    }

    private void hostGroups(MetadataImage image) {
        for (ReplicaGroupInfo group : groupsToHost(image, node.nodeId(),
                id -> node.hosts(raftGroupId(id)) && !node.rejoining(raftGroupId(id)))) {
            Map<Integer, String> addresses = new LinkedHashMap<>();
            group.replicas().forEach(replica -> addresses.put(replica, image.brokers().get(replica).raftAddress()));
            try {
                node.addGroup(raftGroupId(group.id()), addresses, group.replicas().get(0));
                LOG.info("hosting replica group {} on brokers {}", group.id(), group.replicas());
            } catch (IOException e) {
                LOG.warn("could not host replica group {}: {}", group.id(), e.getMessage());
            }
        }
    }

    /**
     * The replica groups {@code nodeId} is a member of but does not host yet, whose members have all
     * registered (their Raft addresses are needed to start the group).
     */
    static List<ReplicaGroupInfo> groupsToHost(MetadataImage image, int nodeId, Predicate<String> hosted) {
        List<ReplicaGroupInfo> out = new ArrayList<>();
        for (ReplicaGroupInfo group : image.replicaGroups().values()) {
            if (group.replicas().contains(nodeId) && !hosted.test(group.id())
                    && image.brokers().keySet().containsAll(group.replicas())) {
                out.add(group);
            }
        }
        return out;
    }

    private static RaftGroupId raftGroupId(String id) {
        return RaftGroupId.valueOf(UUID.fromString(id));
    }

    /** Tells the metadata (and so every broker) who leads a group this broker leads, and who is in sync. */
    private void reportLeadership(MetadataImage image, String groupId, RaftGroupId raftGroup) {
        LeaderReport now = new LeaderReport(
                node.nodeId(), node.term(raftGroup), node.inSyncReplicas(raftGroup));
        if (!now.equals(image.leadership().get(groupId))) {
            propose.apply(new MetadataCommand.ReportLeader(groupId, now.leader(), now.term(), now.inSync()));
        }
    }

    /** On the metadata leader: fences brokers that stopped answering, unfences those that came back. */
    private void reportFencing(MetadataImage image) {
        if (!node.isLeader(RaftNode.METADATA_GROUP)) {
            return;
        }
        for (MetadataCommand.FenceBroker change : fencingChanges(image,
                node.unreachableFollowers(RaftNode.METADATA_GROUP, UNREACHABLE_AFTER_MS))) {
            LOG.info("broker {} is {}", change.brokerId(), change.fenced() ? "unreachable: fenced" : "reachable again");
            propose.apply(change);
        }
    }

    /** The brokers whose fencing the metadata has wrong, given those the metadata leader cannot reach. */
    static List<MetadataCommand.FenceBroker> fencingChanges(MetadataImage image, Set<Integer> unreachable) {
        List<MetadataCommand.FenceBroker> out = new ArrayList<>();
        for (int broker : image.brokers().keySet()) {
            boolean fenced = unreachable.contains(broker);
            if (fenced != image.fenced().contains(broker)) {
                out.add(new MetadataCommand.FenceBroker(broker, fenced));
            }
        }
        return out;
    }

    /** Per replica group, the partitions the metadata places there. */
    static Map<String, Map<PartitionKey, ReplicaGroupCommand.NewPartition>> expectedPartitions(MetadataImage image) {
        Map<String, Map<PartitionKey, ReplicaGroupCommand.NewPartition>> byGroup = new HashMap<>();
        for (TopicInfo topic : image.topics().values()) {
            for (int p = 0; p < topic.partitionCount(); p++) {
                PartitionKey key = new PartitionKey(topic.id(), p);
                byGroup.computeIfAbsent(topic.partitionGroups().get(p), g -> new HashMap<>())
                        .put(key, new ReplicaGroupCommand.NewPartition(key, topic.name(), topic.configs()));
            }
        }
        return byGroup;
    }

    private void syncPartitions(ReplicaGroup group, RaftGroupId raftGroup, Map<PartitionKey, ReplicaGroupCommand.NewPartition> expected) {
        Set<PartitionKey> hosted = new HashSet<>();
        group.partitions().forEach(replica -> hosted.add(replica.key()));
        ReplicaGroupCommand change = partitionChange(hosted, expected);
        if (change == null) {
            return;
        }
        inFlight.add(group.groupId());
        node.submit(raftGroup, ReplicaGroupCommand.encode(change)).whenComplete((r, e) -> {
            inFlight.remove(group.groupId());
            if (e != null) {
                LOG.debug("partition change in group {} failed: {}", group.groupId(), e.getMessage());
            }
            trigger();
        });
    }

    /**
     * The entry that brings a group's partitions closer to what the metadata places there: first the
     * missing ones are added, then (on a later pass) the extra ones removed; null when they match.
     */
    static ReplicaGroupCommand partitionChange(Set<PartitionKey> hosted, Map<PartitionKey, ReplicaGroupCommand.NewPartition> expected) {
        List<ReplicaGroupCommand.NewPartition> missing = new ArrayList<>();
        expected.forEach((key, partition) -> {
            if (!hosted.contains(key)) {
                missing.add(partition);
            }
        });
        if (!missing.isEmpty()) {
            return new ReplicaGroupCommand.AddPartitions(missing);
        }
        List<PartitionKey> extra = hosted.stream().filter(key -> !expected.containsKey(key)).toList();
        return extra.isEmpty() ? null : new ReplicaGroupCommand.RemovePartitions(extra);
    }

    private static void applyConfigs(ReplicaGroup group, MetadataImage image) {
        for (PartitionReplica replica : group.partitions()) {
            image.topic(replica.key().topicId()).ifPresent(topic -> group.updateConfigs(replica, topic.configs()));
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
