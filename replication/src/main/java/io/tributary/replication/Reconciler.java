package io.tributary.replication;

import io.tributary.replication.replica.ReplicaGroupCommand;
import io.tributary.replication.replica.PartitionKey;
import io.tributary.replication.replica.PartitionReplica;
import io.tributary.replication.replica.ReplicaGroup;
import io.tributary.replication.metadata.BrokerInfo;
import io.tributary.replication.metadata.LeaderReport;
import io.tributary.replication.metadata.MetadataCommand;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.ReplicaGroupInfo;
import io.tributary.replication.metadata.TopicInfo;
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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
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
    private final Partitions partitions;
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
    Reconciler(RaftNode node, Partitions partitions, Supplier<MetadataImage> metadata,
               Function<MetadataCommand, CompletableFuture<?>> propose) {
        this.node = node;
        this.partitions = partitions;
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
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Shutting down: metadata still applies while Ratis closes, and nothing needs reconciling.
        }
    }

    private void reconcile(MetadataImage image) {
        hostGroups(image);
        reportFencing(image);
        Map<String, Map<PartitionKey, ReplicaGroupCommand.NewPartition>> expected = expectedPartitions(image);
        for (ReplicaGroup group : partitions.localReplicaGroups()) {
            applyConfigs(group, image);
            RaftGroupId raftGroup = RaftGroupId.valueOf(UUID.fromString(group.groupId()));
            if (node.isLeader(raftGroup) && !inFlight.contains(group.groupId())) {
                syncPartitions(group, raftGroup, expected.getOrDefault(group.groupId(), Map.of()));
                reportLeadership(image, group.groupId(), raftGroup);
            }
        }
    }

    private void hostGroups(MetadataImage image) {
        for (ReplicaGroupInfo group : image.replicaGroups().values()) {
            RaftGroupId id = RaftGroupId.valueOf(UUID.fromString(group.id()));
            if (!group.replicas().contains(node.nodeId()) || node.hosts(id)) {
                continue;
            }
            Map<Integer, String> addresses = new LinkedHashMap<>();
            for (int replica : group.replicas()) {
                BrokerInfo broker = image.brokers().get(replica);
                if (broker == null) {
                    return;
                }
                addresses.put(replica, broker.raftAddress());
            }
            try {
                node.addGroup(id, addresses, group.replicas().get(0));
                LOG.info("hosting replica group {} on brokers {}", group.id(), group.replicas());
            } catch (IOException e) {
                LOG.warn("could not host replica group {}: {}", group.id(), e.getMessage());
            }
        }
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
        Set<Integer> unreachable = node.unreachableFollowers(RaftNode.METADATA_GROUP, UNREACHABLE_AFTER_MS);
        for (int broker : image.brokers().keySet()) {
            boolean fenced = unreachable.contains(broker);
            if (fenced != image.fenced().contains(broker)) {
                LOG.info("broker {} is {}", broker, fenced ? "unreachable: fenced" : "reachable again");
                propose.apply(new MetadataCommand.FenceBroker(broker, fenced));
            }
        }
    }

    private static Map<String, Map<PartitionKey, ReplicaGroupCommand.NewPartition>> expectedPartitions(MetadataImage image) {
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
        List<ReplicaGroupCommand.NewPartition> missing = new ArrayList<>();
        for (Map.Entry<PartitionKey, ReplicaGroupCommand.NewPartition> e : expected.entrySet()) {
            if (group.partition(e.getKey()) == null) {
                missing.add(e.getValue());
            }
        }
        List<PartitionKey> extra = new ArrayList<>();
        Set<PartitionKey> wanted = new HashSet<>(expected.keySet());
        for (PartitionReplica replica : group.partitions()) {
            if (!wanted.contains(replica.key())) {
                extra.add(replica.key());
            }
        }
        if (missing.isEmpty() && extra.isEmpty()) {
            return;
        }
        inFlight.add(group.groupId());
        ReplicaGroupCommand command = missing.isEmpty() ? new ReplicaGroupCommand.RemovePartitions(extra) : new ReplicaGroupCommand.AddPartitions(missing);
        partitions.submit(raftGroup, command).whenComplete((r, e) -> {
            inFlight.remove(group.groupId());
            if (e != null) {
                LOG.debug("partition change in group {} failed: {}", group.groupId(), e.getMessage());
            }
            trigger();
        });
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
