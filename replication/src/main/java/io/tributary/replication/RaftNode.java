package io.tributary.replication;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.statemachine.StateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This broker's one Ratis server and the groups it hosts: the metadata group and replica groups. Entries
 * are submitted straight to the local server (no client round trip) and the state machine's reply comes
 * back once the entry is committed and applied.
 */
public final class RaftNode implements RaftGroups, Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);

    /** The metadata group's id, the same on every cluster. */
    public static final RaftGroupId METADATA_GROUP = RaftGroupId.valueOf(
            UUID.nameUUIDFromBytes("tributary-metadata".getBytes(StandardCharsets.UTF_8)));

    /**
     * The largest Raft entry this node submits. Ratis must hold a whole entry in its write buffer and in
     * one append batch to followers; both are sized just above this (see {@link #ratisProperties}).
     */
    public static final int MAX_ENTRY_BYTES = 2 * 1024 * 1024 - 64 * 1024;

    /** How recently a leader must have heard from a majority of its group to act as leader towards clients. */
    static final long LEADER_CONTACT_MS = 2_000;
    /** How long a request through a Ratis client (to a leader elsewhere) may take before it is failed and retried. */
    static final long CLIENT_ATTEMPT_MS = 10_000;

    private final ReplicationConfig config;
    private final RaftPeerId self;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final StateMachine.Registry registry;
    private final Map<RaftGroupId, RaftClient> clients = new ConcurrentHashMap<>();
    private final Map<RaftGroupId, CommitHistory> commitHistories = new ConcurrentHashMap<>();
    /** The groups this broker was a member of before it lost its storage, until it has rejoined them. */
    private volatile StorageLoss storageLoss;
    private volatile RaftServer server;

    public RaftNode(ReplicationConfig config, StateMachine.Registry registry) {
        this.config = config;
        this.self = peerId(config.nodeId());
        this.registry = registry;
    }

    /**
     * Ratis settings sized for many groups on a small machine (see docs/architecture.md), then the
     * broker's own {@code raft.server.*} and {@code raft.grpc.*} overrides.
     */
    static RaftProperties ratisProperties(ReplicationConfig config) {
        RaftProperties props = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(props, List.of(config.raftDir().toFile()));
        GrpcConfigKeys.Server.setHost(props, config.raftHost());
        GrpcConfigKeys.Server.setPort(props, config.raftPort());
        GrpcConfigKeys.setMessageSizeMax(props, SizeInBytes.valueOf("64MB"));
        RaftServerConfigKeys.Log.setSegmentSizeMax(props, SizeInBytes.valueOf("8MB"));
        RaftServerConfigKeys.Log.setPreallocatedSize(props, SizeInBytes.valueOf("1MB"));
        RaftServerConfigKeys.Log.setWriteBufferSize(props, SizeInBytes.valueOf(2 * 1024 * 1024 + 64 * 1024));
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(props, SizeInBytes.valueOf("2MB"));
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(props, 2);
        // Ratis's composed appends answer a resent batch that starts where one still in flight starts as if
        // all of it were written, although only the first one's entries are: the leader then counts entries
        // the follower lacks and, never moving back past a follower's match index, stalls it for good.
        // Plain appends go to the log in order and acknowledge only what was written.
        RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(props, false);
        // Should a follower need entries that are gone, its state machine fetches what it needs itself
        // (SnapshottingStateMachine) rather than Ratis copying snapshot files.
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(props, false);
        // Entries between snapshots; the state machines take them (see the end of this method).
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, 2048);
        // Election timeouts. A leader heartbeats timeout.min / 2 after a follower's last answer, so slow
        // answers stretch the gaps a follower sees: with 150-300 ms, a loaded 3-broker cluster on 2 cores
        // held an election every few seconds; with 300-1000 ms, at most one per group in a run
        // (docs/architecture.md).
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(1000, TimeUnit.MILLISECONDS));
        // The first election after a member starts keeps short timeouts, so new groups get a leader soon;
        // a restarted member that calls one early is turned away by pre-vote while the leader lives.
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(props, TimeDuration.valueOf(150, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(props, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
        // Retry an unreachable follower every 500 ms at most (Ratis's default backs off to 5 s), so a
        // broker that comes back rejoins its groups within a second.
        RaftServerConfigKeys.Log.Appender.setRetryPolicy(props, "1ms,10, 100ms,20, 500ms,100000000");
        // A purge keeps the log's last entries, so that a member away for a moment replays them rather than
        // copying the leader's state even when the log is purged past it (SnapshottingStateMachine).
        RaftServerConfigKeys.Log.setPurgePreservationLogNum(props, 16);
        // Purge whenever a snapshot allows (Ratis skips purges that gain fewer than 1,024 entries, which with
        // entries of up to 2 MB would keep gigabytes).
        RaftServerConfigKeys.Log.setPurgeGap(props, 1);
        config.ratisProperties().forEach(props::set);
        // Whatever the overrides say: the state machines take their snapshots between entries and purge the
        // log themselves, keeping what a lagging member needs within a bound (SnapshottingStateMachine,
        // PurgePoint); Ratis would purge up to exactly that member's commit index, from where it cannot
        // catch up by replaying.
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, false);
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(props, false);
        return props;
    }

    /**
     * Builds and starts the Ratis server; it recovers the groups it hosted before, if any. A new broker
     * either forms the metadata group from {@code raft.peers} or, given a join address, joins the
     * running cluster's metadata group. A broker that lost its storage (new here, but registered in the
     * running cluster) rejoins the metadata group and, as they are added, its replica groups as a new
     * member (see {@link StorageLoss}).
     */
    public void start() throws IOException {
        List<RaftPeer> peers = new ArrayList<>();
        config.metadataPeers().forEach((id, address) -> peers.add(peer(id, address, 0)));
        RaftServer.Builder builder = RaftServer.newBuilder()
                .setServerId(self)
                .setProperties(ratisProperties(config))
                .setStateMachineRegistry(registry);
        StaleRaftLogs.removeIn(config.raftDir());
        boolean isNew = !Files.exists(config.raftDir().resolve(METADATA_GROUP.getUuid().toString()));
        storageLoss = StorageLoss.find(this, isNew);
        // Ratis recovers every group it finds in its storage; only a new broker is given the metadata group.
        if (isNew && config.joinAddress() == null && !storageLoss.pending(METADATA_GROUP)) {
            builder.setGroup(RaftGroup.valueOf(METADATA_GROUP, peers));
        }
        server = builder.build();
        server.start();
        if (isNew && config.joinAddress() != null) {
            MetadataGroupJoin.join(this, config.joinAddress());
        }
        storageLoss.rejoinMetadataGroup();
    }

    RaftServer server() {
        return server;
    }

    ReplicationConfig config() {
        return config;
    }

    RaftPeerId self() {
        return self;
    }

    @Override
    public int nodeId() {
        return config.nodeId();
    }

    public static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf(String.valueOf(nodeId));
    }

    public static RaftPeer peer(int nodeId, String address, int priority) {
        return RaftPeer.newBuilder().setId(peerId(nodeId)).setAddress(address).setPriority(priority).build();
    }

    /** The Raft address this server listens on (useful when the configured port was 0). */
    public String boundRaftAddress() {
        return config.raftHost() + ":" + server.getServerRpc().getInetSocketAddress().getPort();
    }

    @Override
    public CompletableFuture<ByteBuffer> submit(RaftGroupId group, ByteBuffer entry) {
        if (entry.remaining() > MAX_ENTRY_BYTES) {
            return CompletableFuture.failedFuture(new RecordTooLargeException(
                    "a Raft entry of " + entry.remaining() + " bytes exceeds the limit of " + MAX_ENTRY_BYTES));
        }
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(self)
                .setGroupId(group)
                .setCallId(callIds.incrementAndGet())
                .setMessage(Message.valueOf(UnsafeByteOperations.unsafeWrap(entry)))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        CompletableFuture<RaftClientReply> reply;
        try {
            reply = submitHere(request);
        } catch (IOException | RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        return reply.handle(RaftNode::replyContent);
    }

    /**
     * Hands a request to its group's division on the calling thread. {@code RaftServer.submitClientRequestAsync}
     * would pass it to a thread of Ratis's client pool and block until that thread has queued it: two thread
     * switches per entry, on the path of every produce, for nothing.
     */
    private CompletableFuture<RaftClientReply> submitHere(RaftClientRequest request) throws IOException {
        RaftServer.Division division = server.getDivision(request.getRaftGroupId());
        if (division instanceof RaftClientAsynchronousProtocol direct) {
            return direct.submitClientRequestAsync(request);
        }
        return server.submitClientRequestAsync(request);
    }

    /**
     * Submits an entry to a group wherever its leader is: straight to the local server when this broker
     * leads it, else through a Ratis client that finds the leader. For the metadata group, whose
     * changes any broker may propose.
     */
    public CompletableFuture<ByteBuffer> submitToLeader(RaftGroupId group, ByteBuffer entry) {
        if (isLeader(group)) {
            return submit(group, entry).exceptionallyCompose(e -> isNotLeader(e) ? viaClient(group, entry) : CompletableFuture.failedFuture(e));
        }
        return viaClient(group, entry);
    }

    private static boolean isNotLeader(Throwable e) {
        return Failures.unwrap(e) instanceof NotLeaderOrFollowerException;
    }

    private CompletableFuture<ByteBuffer> viaClient(RaftGroupId group, ByteBuffer entry) {
        return throughClient(group, c -> c.async().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(entry))));
    }

    /** Sends a read-only query to the group's leader, wherever it is. */
    public CompletableFuture<ByteBuffer> queryLeader(RaftGroupId group, ByteBuffer query) {
        return throughClient(group, c -> c.async().sendReadOnly(Message.valueOf(UnsafeByteOperations.unsafeWrap(query))));
    }

    /**
     * Sends a request through the group's Ratis client, giving up after {@link #CLIENT_ATTEMPT_MS}. A client
     * whose request fails or times out is dropped, and the next one starts from the leader this broker's
     * member knows: a Ratis client that lost its leader behind a network partition can keep waiting on it.
     */
    private CompletableFuture<ByteBuffer> throughClient(RaftGroupId group,
                                                        Function<RaftClient, CompletableFuture<RaftClientReply>> request) {
        RaftClient client;
        try {
            client = clients.computeIfAbsent(group, this::newClient);
        } catch (UncheckedIOException | IllegalStateException e) {
            // IllegalStateException: the group is here but its configuration is not loaded yet.
            return CompletableFuture.failedFuture(new NotLeaderOrFollowerException("this broker does not host " + group
                    + " yet: " + e.getMessage()));
        }
        return request.apply(client).orTimeout(CLIENT_ATTEMPT_MS, TimeUnit.MILLISECONDS)
                .whenComplete((reply, error) -> {
                    if (error != null && clients.remove(group, client)) {
                        closeQuietly(client);
                    }
                })
                .handle(RaftNode::replyContent);
    }

    private RaftClient newClient(RaftGroupId group) {
        try {
            RaftServer.Division division = server.getDivision(group);
            return RaftClient.newBuilder().setProperties(ratisProperties(config)).setRaftGroup(division.getGroup())
                    .setLeaderId(division.getInfo().getLeaderId()).setClientId(ClientId.randomId()).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void closeQuietly(RaftClient client) {
        try {
            client.close();
        } catch (IOException | RuntimeException e) {
            LOG.debug("closing a Raft client failed: {}", e.toString());
        }
    }

    /**
     * The state machine's reply, or the failure as Kafka clients should see it, which is where a Ratis
     * failure becomes a Kafka error: only a state machine error is a server error; anything about
     * leadership or the server's state (not the leader, stepping down, not ready, closing, timed out)
     * means "ask the leader again" (NOT_LEADER_OR_FOLLOWER), which Kafka clients retry.
     */
    private static ByteBuffer replyContent(RaftClientReply reply, Throwable error) {
        if (error == null && reply.isSuccess()) {
            return reply.getMessage().getContent().asReadOnlyByteBuffer();
        }
        Throwable cause = Failures.unwrap(error != null ? error : reply.getException());
        if (cause instanceof StateMachineException) {
            throw new IllegalStateException("applying a Raft entry failed: " + cause.getMessage(), cause);
        }
        throw new NotLeaderOrFollowerException("no leader could take the entry: " + (cause == null ? "unknown" : cause.getMessage()));
    }

    @Override
    public boolean isLeader(RaftGroupId group) {
        return division(group).map(d -> d.isLeaderReady() && inTouchWithMajority(d)).orElse(false);
    }

    @Override
    public boolean isBecomingLeader(RaftGroupId group) {
        return division(group).map(d -> d.isLeader() && !d.isLeaderReady()).orElse(false);
    }

    /**
     * Whether a leader heard from a majority of its group within {@link #LEADER_CONTACT_MS}. A leader cut
     * off from the others stays leader in Ratis until it steps down; it must not tell clients so, as it
     * can no longer commit anything.
     */
    private static boolean inTouchWithMajority(DivisionInfo leader) {
        if (!leader.isLeader()) {
            return false;
        }
        List<ServerRpcProto> followers =
                leader.getRoleInfoProto().getLeaderInfo().getFollowerInfoList();
        long inTouch = 1 + followers.stream().filter(f -> f.getLastRpcElapsedTimeMs() <= LEADER_CONTACT_MS).count();
        return inTouch * 2 > followers.size() + 1;
    }

    @Override
    public long term(RaftGroupId group) {
        return division(group).map(DivisionInfo::getCurrentTerm).orElse(-1L);
    }

    /** The node id of the group's leader as this broker knows it; never itself while cut off from the majority. */
    @Override
    public Optional<Integer> leader(RaftGroupId group) {
        return division(group).filter(d -> !d.isLeader() || inTouchWithMajority(d))
                .map(DivisionInfo::getLeaderId).map(id -> Integer.parseInt(id.toString()));
    }

    /**
     * Members of {@code group} in sync with the leader, Kafka's way: the leader itself, plus followers
     * that have everything the leader had committed {@code replica.lag.time.max.ms} ago and answered
     * within that time (see {@link CommitHistory}).
     */
    @Override
    public List<Integer> inSyncReplicas(RaftGroupId group) {
        Optional<RaftServer.Division> division = raftDivision(group);
        if (division.isEmpty()) {
            return List.of();
        }
        DivisionInfo info = division.get().getInfo();
        if (!info.isLeader()) {
            return info.getLeaderId() == null ? List.of() : List.of(Integer.parseInt(info.getLeaderId().toString()));
        }
        long lagMs = config.replicaLagTimeMaxMs();
        long required = commitHistories.computeIfAbsent(group, g -> new CommitHistory())
                .committedAsOf(System.currentTimeMillis(), division.get().getRaftLog().getLastCommittedIndex(), lagMs);
        Set<Integer> silent = unreachableFollowers(group, lagMs);
        List<Integer> inSync = new ArrayList<>();
        for (CommitInfoProto commit : division.get().getCommitInfos()) {
            int id = Integer.parseInt(RaftPeerId.valueOf(commit.getServer().getId()).toString());
            if (id == config.nodeId() || (commit.getCommitIndex() >= required && !silent.contains(id))) {
                inSync.add(id);
            }
        }
        Collections.sort(inSync);
        return inSync;
    }

    /**
     * The groups this broker hosts that are not ready to serve yet, each with the reason; empty when all
     * are. A leader is ready once it has applied the first entry of its term, which comes after everything
     * logged before; a follower, once it applied what its leader says is committed.
     */
    List<String> groupsNotCaughtUp() {
        List<String> lagging = new ArrayList<>();
        for (RaftGroupId group : server.getGroupIds()) {
            try {
                RaftServer.Division division = server.getDivision(group);
                DivisionInfo info = division.getInfo();
                if (!info.isAlive()) {
                    // A group being added (its state machine and log not yet set up) is not running yet either.
                    lagging.add(group + ": not running (" + info.getLifeCycleState() + ")");
                    continue;
                }
                long applied = info.getLastAppliedIndex();
                long committed = division.getRaftLog().getLastCommittedIndex();
                if (info.getLeaderId() == null) {
                    lagging.add(group + ": no leader known");
                } else if (info.isLeader() && !info.isLeaderReady()) {
                    lagging.add(group + ": leader, not ready yet");
                } else if (applied < committed) {
                    lagging.add(group + ": applied " + applied + " of " + committed);
                }
            } catch (IOException | IllegalStateException e) {
                // IllegalStateException: the group started or closed between the checks.
                Throwable cause = e.getCause() == null ? e : e.getCause();
                lagging.add(group + ": " + cause);
            }
        }
        return lagging;
    }

    /**
     * Followers of a group this broker leads that have not answered for {@code thresholdMs}: the leader's
     * view of which brokers are unreachable. Empty when this broker does not lead the group.
     */
    public Set<Integer> unreachableFollowers(RaftGroupId group, long thresholdMs) {
        Set<Integer> out = new TreeSet<>();
        division(group).filter(DivisionInfo::isLeader).ifPresent(info -> {
            for (ServerRpcProto f : info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList()) {
                if (f.getLastRpcElapsedTimeMs() > thresholdMs) {
                    out.add(Integer.parseInt(RaftPeerId.valueOf(f.getId().getId()).toString()));
                }
            }
        });
        return out;
    }

    private Optional<DivisionInfo> division(RaftGroupId group) {
        return raftDivision(group).map(RaftServer.Division::getInfo);
    }

    private Optional<RaftServer.Division> raftDivision(RaftGroupId group) {
        RaftServer current = server;
        if (current == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(current.getDivision(group));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean hosts(RaftGroupId group) {
        if (server == null) {
            return false;
        }
        for (RaftGroupId id : server.getGroupIds()) {
            if (id.equals(group)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Starts hosting a group on this broker (its state machine comes from the registry); a group this broker
     * was a member of before it lost its storage is rejoined as a new member, which returns once the group
     * counts it again.
     */
    public void addGroup(RaftGroupId group, Map<Integer, String> replicas, int preferredLeader) throws IOException {
        List<RaftPeer> peers = new ArrayList<>();
        replicas.forEach((id, address) -> peers.add(peer(id, address, id == preferredLeader ? 1 : 0)));
        if (rejoining(group)) {
            storageLoss.rejoin(group, peers);
        } else {
            host(RaftGroup.valueOf(group, peers));
        }
    }

    /** Whether this broker still has to rejoin a group it was a member of before it lost its storage. */
    boolean rejoining(RaftGroupId group) {
        StorageLoss loss = storageLoss;
        return loss != null && loss.pending(group);
    }

    /** Stops hosting a group here and deletes its Raft storage (not the partition logs). */
    void unhost(RaftGroupId group) throws IOException {
        RaftClientReply reply = server.groupManagement(GroupManagementRequest.newRemove(clientId, self,
                callIds.incrementAndGet(), group, true, false));
        if (!reply.isSuccess()) {
            throw new IOException("could not remove Raft group " + group + ": " + reply.getException());
        }
    }

    /** Starts hosting a group here, as the member it names this broker. */
    void host(RaftGroup group) throws IOException {
        RaftClientReply reply = server.groupManagement(GroupManagementRequest.newAdd(clientId, self,
                callIds.incrementAndGet(), group));
        if (!reply.isSuccess()) {
            throw new IOException("could not add Raft group " + group.getGroupId() + ": " + reply.getException());
        }
    }

    @Override
    public void close() throws IOException {
        for (RaftClient client : clients.values()) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }
}
