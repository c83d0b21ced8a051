package io.tributary.replication;

import io.tributary.replication.partition.AppendWatchers;
import io.tributary.replication.partition.Partitions;
import io.tributary.replication.partition.TopicSettings;
import io.tributary.replication.replica.ReplicaGroup;
import io.tributary.replication.replica.ReplicaGroupStateMachine;
import io.tributary.replication.replica.ReplicaGroups;
import io.tributary.replication.metadata.BrokerInfo;
import io.tributary.replication.metadata.ClusterMetadata;
import io.tributary.replication.metadata.MetadataCommand;
import io.tributary.replication.metadata.MetadataService;
import io.tributary.replication.metadata.MetadataStateMachine;
import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.Uuid;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.statemachine.StateMachine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replication layer of one broker: its Raft node, the metadata group, the replica groups it hosts,
 * and the reconciler that keeps them in line with the metadata.
 */
public final class Replication implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Replication.class);

    private final ReplicationConfig config;
    private final ClusterMetadata metadata = new ClusterMetadata();
    private final RaftNode node;
    private final ReplicaGroups replicaGroups = new ReplicaGroups();
    private final AppendWatchers watchers = new AppendWatchers();
    private final Partitions partitions;
    private final MetadataService metadataService;
    private final Reconciler reconciler;
    private final Function<Map<String, String>, TopicSettings> topicSettings;
    private final long producerExpirationMs;

    /**
     * @param topicConfigs         a topic's config overrides to its effective configs (the broker's
     *                             defaults under the overrides, Kafka's topic-level names)
     * @param producerExpirationMs {@code producer.id.expiration.ms}
     */
    public Replication(ReplicationConfig config, UnaryOperator<Map<String, String>> topicConfigs,
                       long producerExpirationMs) throws IOException {
        this.config = config;
        this.topicSettings = TopicSettings.resolver(topicConfigs);
        this.producerExpirationMs = producerExpirationMs;
        StateMachine.Registry registry = this::stateMachineFor;
        this.node = new RaftNode(config, registry);
        this.partitions = new Partitions(node, replicaGroups, metadata::image, topicSettings, watchers);
        this.metadataService = new MetadataService(node, metadata, config.groupsPerBroker());
        this.reconciler = new Reconciler(node, replicaGroups, metadata::image, metadataService::submit);
    }

    private StateMachine stateMachineFor(RaftGroupId groupId) {
        if (groupId.equals(RaftNode.METADATA_GROUP)) {
            return new MetadataStateMachine(metadata, image -> reconcilerTrigger(),
                    query -> node.queryLeader(RaftNode.METADATA_GROUP, query));
        }
        ReplicaGroup group = new ReplicaGroup(groupId.getUuid().toString(), config.dataDir(),
                overrides -> topicSettings.apply(overrides).log(), producerExpirationMs, watchers::appended);
        replicaGroups.register(group);
        return new ReplicaGroupStateMachine(group, query -> node.queryLeader(groupId, query), this::reconcilerTrigger);
    }

    private void reconcilerTrigger() {
        reconciler.trigger();
    }

    /**
     * Starts the Raft server, waits for the metadata group to elect a leader, and registers this broker
     * with its client listener.
     */
    public void start(String listenerHost, int listenerPort, long timeoutMs) throws IOException, InterruptedException {
        node.start();
        reconciler.start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        BrokerInfo self = new BrokerInfo(config.nodeId(), listenerHost, listenerPort, node.boundRaftAddress());
        while (true) {
            try {
                metadataService.submit(new MetadataCommand.RegisterBroker(self, Uuid.randomUuid().toString())).get(5, TimeUnit.SECONDS);
                break;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the metadata group elected no leader within " + timeoutMs
                            + " ms; check raft.peers and that a majority of them is running", e);
                }
                Thread.sleep(100);
            }
        }
        awaitCaughtUp(deadline);
        LOG.info("broker {} registered: Kafka listener {}:{}, Raft {}", config.nodeId(), listenerHost, listenerPort,
                node.boundRaftAddress());
    }

    /**
     * Waits until this broker has applied its own registration and every group it hosts knows its leader
     * and has applied what is committed, so that it never answers from half-loaded state.
     */
    private void awaitCaughtUp(long deadlineNanos) throws InterruptedException {
        long saySlowAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> lagging = List.of();
        while (System.nanoTime() < deadlineNanos) {
            lagging = node.groupsNotCaughtUp();
            if (metadata.image().brokers().containsKey(config.nodeId()) && lagging.isEmpty()) {
                return;
            }
            if (saySlowAt != 0 && System.nanoTime() > saySlowAt) {
                LOG.info("still waiting for Raft groups to catch up: {}", lagging);
                saySlowAt = 0;
            }
            Thread.sleep(50);
        }
        LOG.warn("serving clients although some Raft groups have not caught up yet: {}", lagging);
    }

    public MetadataService metadata() {
        return metadataService;
    }

    public Partitions partitions() {
        return partitions;
    }

    public int nodeId() {
        return config.nodeId();
    }

    @Override
    public void close() throws IOException {
        reconciler.close();
        node.close();
    }
}
