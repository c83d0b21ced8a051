package io.tributary.replication;

import io.tributary.replication.metadata.ClusterMetadata;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.storage.Io;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A broker that lost its storage: one that starts with an empty data folder under a node id the running
 * cluster has registered. It must not come back as the member it was. A Raft member keeps its votes and
 * its log on disk, and a leader never again sends a follower the entries it counted as that follower's
 * (Ratis keeps such a follower's next index above what it acknowledged, so an emptied follower would wait
 * for entries that never come). So it leaves every group it was in and is added again as a new member,
 * which catches up from the leader's state (see {@link SnapshottingStateMachine}) before it counts.
 *
 * <p>The groups still to rejoin are kept in {@code <log.dirs>/rejoin.pending} (one Raft group id per
 * line) from when the loss is found until the last of them has taken this broker back, so a broker
 * stopped half way (killed while it copies its replicas) goes on where it was when it starts again.
 */
final class StorageLoss {
    private static final Logger LOG = LoggerFactory.getLogger(StorageLoss.class);
    /** How long a member of a forming cluster may keep a new broker waiting for the metadata. */
    private static final long ASK_TIMEOUT_MS = 3_000;
    /** How long a membership change may take: a new member is counted only once it has caught up. */
    private static final long CHANGE_TIMEOUT_MS = TimeUnit.MINUTES.toMillis(5);

    private static final String PENDING_FILE = "rejoin.pending";

    private final RaftNode node;
    private final Path file;
    private final Set<RaftGroupId> pending;

    private StorageLoss(RaftNode node, Path file, Set<RaftGroupId> pending) {
        this.node = node;
        this.file = file;
        this.pending = pending;
    }

    /**
     * The groups this broker still has to rejoin: those an earlier start had left, or, for new storage
     * (no Raft groups here) under a node id the running cluster has registered, every group the cluster
     * has it in; none otherwise.
     */
    static StorageLoss find(RaftNode node, boolean storageIsNew) throws IOException {
        Path file = node.config().dataDir().resolve(PENDING_FILE);
        Set<RaftGroupId> groups = ConcurrentHashMap.newKeySet();
        boolean resumed = Files.exists(file);
        if (resumed) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    groups.add(RaftGroupId.valueOf(UUID.fromString(line.trim())));
                }
            }
        } else if (storageIsNew && node.config().joinAddress() == null) {
            knownCluster(node).ifPresent(image -> {
                groups.add(RaftNode.METADATA_GROUP);
                image.replicaGroups().values().stream().filter(g -> g.replicas().contains(node.nodeId()))
                        .forEach(g -> groups.add(RaftGroupId.valueOf(UUID.fromString(g.id()))));
            });
        }
        StorageLoss loss = new StorageLoss(node, file, groups);
        if (resumed) {
            LOG.warn("broker {} has {} Raft groups left to rejoin since it lost its storage; rejoining them as a new member",
                    node.nodeId(), groups.size());
        } else if (!groups.isEmpty()) {
            loss.save();
            LOG.warn("broker {} lost its storage (it is registered in the running cluster, but its data folder was empty): "
                    + "it rejoins {} Raft groups as a new member, copying their data from the leaders", node.nodeId(), groups.size());
        }
        return loss;
    }

    /** Whether this broker must rejoin {@code group} before it may host it as a member. */
    boolean pending(RaftGroupId group) {
        return pending.contains(group);
    }

    /**
     * The running cluster's metadata, if another member of the metadata group answers and the cluster has
     * registered this broker's node id; empty for a new cluster (no one answers yet, or no one knows this
     * broker).
     */
    private static Optional<MetadataImage> knownCluster(RaftNode node) {
        for (Map.Entry<Integer, String> member : node.config().metadataPeers().entrySet()) {
            if (member.getKey() == node.nodeId()) {
                continue;
            }
            try {
                RaftGroup current = groupAt(node, RaftNode.METADATA_GROUP, RaftNode.peer(member.getKey(), member.getValue(), 0));
                try (RaftClient client = client(node, others(node, current), fewRetries())) {
                    RaftClientReply reply = client.async().sendReadOnly(Message.valueOf(
                            UnsafeByteOperations.unsafeWrap(SnapshottingStateMachine.SNAPSHOT_QUERY.duplicate())))
                            .get(ASK_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                    if (!reply.isSuccess()) {
                        continue;
                    }
                    MetadataImage image = ClusterMetadata.decode(SnapshottingStateMachine.SnapshotAnswer.decode(
                            reply.getMessage().getContent().asReadOnlyByteBuffer()).state());
                    return image.brokers().containsKey(node.nodeId()) ? Optional.of(image) : Optional.empty();
                }
            } catch (IOException | RuntimeException | ExecutionException | TimeoutException e) {
                LOG.debug("metadata member {} at {} did not answer: {}", member.getKey(), member.getValue(), e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** If pending: leaves the metadata group as the member this broker was and joins it again through another member. */
    void rejoinMetadataGroup() throws IOException {
        if (!pending(RaftNode.METADATA_GROUP)) {
            return;
        }
        for (Map.Entry<Integer, String> member : node.config().metadataPeers().entrySet()) {
            if (member.getKey() != node.nodeId()) {
                dropHosted(RaftNode.METADATA_GROUP);
                leave(node, RaftNode.METADATA_GROUP, RaftNode.peer(member.getKey(), member.getValue(), 0));
                MetadataGroupJoin.join(node, member.getValue());
                done(RaftNode.METADATA_GROUP);
                return;
            }
        }
        throw new IOException("raft.peers names no other member of the metadata group to rejoin through");
    }

    /**
     * Leaves a replica group as the member this broker was, hosts it here again and asks the group to take
     * this broker back as a new member; returns once the group counts it (it has caught up).
     *
     * @param members every member of the group, this broker included, with their priorities
     */
    void rejoin(RaftGroupId group, List<RaftPeer> members) throws IOException {
        RaftPeer contact = contact(group, members);
        dropHosted(group);
        leave(node, group, contact);
        node.host(RaftGroup.valueOf(group, members));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHANGE_TIMEOUT_MS);
        try (RaftClient client = client(node, RaftGroup.valueOf(group, members), fewRetries())) {
            while (groupAt(node, group, contact).getPeer(node.self()) == null) {
                try {
                    RaftClientReply reply = client.admin().setConfiguration(members);
                    if (reply.isSuccess()) {
                        break;
                    }
                } catch (ReconfigurationInProgressException e) {
                    // The change asked for before is still catching this broker up.
                } catch (IOException e) {
                    LOG.debug("group {}: taking broker {} back is not done yet: {}", group, node.nodeId(), e.toString());
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("group " + group + " did not take broker " + node.nodeId() + " back within "
                            + CHANGE_TIMEOUT_MS + " ms");
                }
                sleep(500);
            }
        }
        done(group);
        LOG.info("group {}: rejoined as a new member", group);
    }

    /**
     * Drops the Raft storage of a group an earlier, interrupted rejoin already hosted here: once the group
     * leaves this broker out, Ratis closes the member for good, so it is hosted afresh instead (a replica
     * group's partition logs stay and keep what they copied).
     */
    private void dropHosted(RaftGroupId group) throws IOException {
        if (node.hosts(group)) {
            node.unhost(group);
        }
    }

    /** Another member of the group that answers. */
    private RaftPeer contact(RaftGroupId group, List<RaftPeer> members) throws IOException {
        IOException last = new IOException("group " + group + " has no other member to rejoin through");
        for (RaftPeer member : members) {
            if (!member.getId().equals(node.self())) {
                try {
                    groupAt(node, group, member);
                    return member;
                } catch (IOException e) {
                    last = e;
                }
            }
        }
        throw last;
    }

    private synchronized void done(RaftGroupId group) throws IOException {
        pending.remove(group);
        save();
    }

    /** Writes the pending groups durably, or removes the file when none is left. */
    private synchronized void save() throws IOException {
        if (pending.isEmpty()) {
            Files.deleteIfExists(file);
            return;
        }
        Files.createDirectories(file.getParent());
        StringBuilder lines = new StringBuilder();
        pending.forEach(g -> lines.append(g.getUuid()).append('\n'));
        Io.writeAtomically(file, lines.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Removes this broker from the group's configuration, if it is still there. */
    private static void leave(RaftNode node, RaftGroupId group, RaftPeer contact) throws IOException {
        RaftGroup current = groupAt(node, group, contact);
        if (current.getPeer(node.self()) == null) {
            return;
        }
        List<RaftPeer> voters = new ArrayList<>();
        List<RaftPeer> listeners = new ArrayList<>();
        for (RaftPeer p : others(node, current).getPeers()) {
            (p.getStartupRole() == RaftPeerRole.LISTENER ? listeners : voters).add(p);
        }
        try (RaftClient client = client(node, RaftGroup.valueOf(group, voters), fewRetries())) {
            RaftClientReply reply = client.admin().setConfiguration(voters, listeners);
            if (!reply.isSuccess()) {
                throw new IOException("group " + group + " refused to let broker " + node.nodeId() + " go: " + reply.getException());
            }
        }
        LOG.info("group {}: left as the member whose storage was lost", group);
    }

    /** The group's current configuration as {@code contact} knows it. */
    private static RaftGroup groupAt(RaftNode node, RaftGroupId group, RaftPeer contact) throws IOException {
        try (RaftClient client = client(node, RaftGroup.valueOf(group, contact), RetryPolicies.noRetry())) {
            GroupInfoReply info = client.getGroupManagementApi(contact.getId()).info(group);
            if (!info.isSuccess()) {
                throw new IOException(contact.getAddress() + " does not host " + group + ": " + info.getException());
            }
            return info.getGroup();
        }
    }

    private static RaftGroup others(RaftNode node, RaftGroup group) {
        return RaftGroup.valueOf(group.getGroupId(),
                group.getPeers().stream().filter(p -> !p.getId().equals(node.self())).toList());
    }

    private static RetryPolicy fewRetries() {
        return RetryPolicies.retryUpToMaximumCountWithFixedSleep(10, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS));
    }

    private static RaftClient client(RaftNode node, RaftGroup group, RetryPolicy retry) {
        return RaftClient.newBuilder().setProperties(RaftNode.ratisProperties(node.config())).setRaftGroup(group)
                .setRetryPolicy(retry).build();
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
