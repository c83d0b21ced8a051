package io.tributary.replication.metadata;

import io.tributary.replication.RaftNode;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;

/** Reads the applied metadata and proposes changes to it through the metadata Raft group. */
public final class MetadataService {
    private final RaftNode node;
    private final ClusterMetadata metadata;
    private final int groupsPerBroker;

    public MetadataService(RaftNode node, ClusterMetadata metadata, int groupsPerBroker) {
        this.node = node;
        this.metadata = metadata;
        this.groupsPerBroker = groupsPerBroker;
    }

    /**
     * The cluster's id: chosen by the first broker to register, and until that registration is applied,
     * the metadata group's id (which every cluster shares, so it names no cluster in particular).
     */
    public String clusterId() {
        String id = metadata.image().clusterId();
        return id == null ? RaftNode.METADATA_GROUP.getUuid().toString() : id;
    }

    /** The metadata as this broker has applied it. */
    public MetadataImage image() {
        return metadata.image();
    }

    public CompletableFuture<MetadataResult> submit(MetadataCommand command) {
        ByteBuffer entry = MetadataCommand.encode(command);
        return node.submitToLeader(RaftNode.METADATA_GROUP, entry).thenApply(MetadataResult::decode);
    }

    public CompletableFuture<MetadataResult> createTopic(String name, Uuid id, int partitions, int replicationFactor,
                                                         Map<String, String> configs) {
        return submit(new MetadataCommand.CreateTopic(name, id, partitions, replicationFactor, configs, groupsPerBroker));
    }

    public CompletableFuture<MetadataResult> createPartitions(String name, int totalPartitions) {
        return submit(new MetadataCommand.CreatePartitions(name, totalPartitions, groupsPerBroker));
    }

    public CompletableFuture<MetadataResult> deleteTopic(String name) {
        return submit(new MetadataCommand.DeleteTopic(name));
    }

    public CompletableFuture<MetadataResult> setTopicConfigs(String name, Map<String, String> configs) {
        return submit(new MetadataCommand.SetTopicConfigs(name, configs));
    }

    /** Reserves {@code count} producer ids for this broker; completes with the first. */
    public CompletableFuture<Long> allocateProducerIds(int count) {
        return submit(new MetadataCommand.AllocateProducerIds(node.nodeId(), count)).thenApply(MetadataResult::value);
    }

    public int nodeId() {
        return node.nodeId();
    }

    public boolean isController() {
        return node.isLeader(RaftNode.METADATA_GROUP);
    }

    /** The broker leading the metadata group, as far as this broker knows. */
    public Optional<Integer> controller() {
        return node.leader(RaftNode.METADATA_GROUP);
    }
}
