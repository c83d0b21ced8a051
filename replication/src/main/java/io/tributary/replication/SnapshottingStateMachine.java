package io.tributary.replication;

import io.tributary.replication.codec.ByteReader;
import io.tributary.replication.codec.ByteWriter;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.ratis.proto.RaftProtos;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thin Ratis state machine: it hands each committed entry to a domain object and keeps that object's
 * snapshots in one file each, in Ratis's snapshot directory. Entries are applied one at a time on
 * Ratis's apply thread; snapshots are taken between entries, under the same lock.
 *
 * <p>It takes its own snapshots, every {@code raft.server.snapshot.auto.trigger.threshold} entries or
 * {@link #SNAPSHOT_BYTES} of entries and when it closes, and after each one purges the Raft log: as far
 * as {@link PurgePoint} allows, so that a member that was away replays what it missed, unless the log
 * would then hold more than two log segments ({@code raft.server.log.segment.size.max}); then up to the
 * snapshot, whatever the other members have, so the log stays bounded, and a member further behind
 * catches up from the leader's state (below).
 *
 * <p>A follower whose next entry the leader has already purged needs the leader's state instead
 * (Ratis's install-snapshot notification): it asks the leader for it with a read-only query
 * ({@link #SNAPSHOT_QUERY}), brings what the snapshot does not hold up to date ({@link #prepareInstall}:
 * a replica group copies the leader's records), stores it as its own latest snapshot and lets Ratis
 * reload from it.
 */
public abstract class SnapshottingStateMachine extends BaseStateMachine {
    /** The read-only query a follower sends the leader for its state: answered with term, index, snapshot. */
    public static final ByteBuffer SNAPSHOT_QUERY = ByteBuffer.wrap(new byte[] {'S'}).asReadOnlyBuffer();

    private static final int SNAPSHOT_ANSWER_VERSION = 1;

    /** How long a follower waits for one answer of the leader while it catches up from the leader's state. */
    private static final Duration LEADER_QUERY_TIMEOUT = Duration.ofSeconds(30);

    /** How long a follower waits for its Raft log to be applied before it answers with its own state. */
    private static final Duration OWN_SNAPSHOT_WAIT = Duration.ofSeconds(2);

    /**
     * Entry bytes after which a snapshot is due, however few the entries: with produce entries of up to
     * 2 MB, {@code raft.server.snapshot.auto.trigger.threshold} entries alone would let the Raft log grow
     * to gigabytes between snapshots.
     */
    static final long SNAPSHOT_BYTES = 32L * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(SnapshottingStateMachine.class);

    private static final SnapshotRetentionPolicy KEEP_TWO = new SnapshotRetentionPolicy() {
        @Override
        public int getNumSnapshotsRetained() {
            return 2;
        }
    };

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final Function<ByteBuffer, CompletableFuture<ByteBuffer>> queryLeader;
    /** Held while applying an entry, so a snapshot query sees a state and the index it is as of together. */
    private final Object applying = new Object();
    /**
     * The index of the leader's state this replica caught up to: until Ratis reloads from it, entries up to
     * it that are still applied from the local log are already in that state and are skipped.
     */
    private long caughtUpTo = RaftLog.INVALID_LOG_INDEX;
    /** When this replica last said it is waiting on an unapplied log tail (System.nanoTime), 0 if never. */
    private volatile long tailWarnedNanos;
    /** Entries between snapshots. */
    private long snapshotEvery;
    /** The most Raft log bytes kept for members that lag behind: two log segments. */
    private long keptForLaggards;
    /** Bytes of entries applied since the last snapshot (see {@link #SNAPSHOT_BYTES}). */
    private long bytesSinceSnapshot;
    /** The index from which the next snapshot is due (a failed one is retried this many entries later). */
    private volatile long nextSnapshotIndex;
    /** The latest snapshot stored, null if none (see {@link #getLatestSnapshot}). */
    private volatile SingleFileSnapshotInfo latest;

    /** @param queryLeader sends a read-only query to the group's leader, wherever it is */
    protected SnapshottingStateMachine(Function<ByteBuffer, CompletableFuture<ByteBuffer>> queryLeader) {
        this.queryLeader = queryLeader;
    }

    /** Applies one committed entry and returns the reply for the proposer. */
    protected abstract ByteBuffer apply(long term, long index, ByteBuffer entry) throws IOException;

    /** The domain state as of the last applied entry, as snapshot bytes. */
    protected abstract ByteBuffer snapshot() throws IOException;

    /** Replaces the domain state with a snapshot's, or with the initial state when {@code file} is null. */
    protected abstract void loadSnapshot(Path file) throws IOException;

    /** Called, between entries, once a snapshot of the state as of now is durably stored. */
    protected void snapshotStored() throws IOException {
    }

    /**
     * Before the leader's state is installed here: brings up to date, with further queries to the leader,
     * what the snapshot does not hold itself. Nothing is applied meanwhile.
     *
     * @param queryLeader answers a query with the leader's {@link #answer}, waiting at most a bounded time
     */
    protected void prepareInstall(ByteBuffer leaderSnapshot, UnaryOperator<ByteBuffer> queryLeader) throws IOException {
    }

    /** Answers a read-only query other than {@link #SNAPSHOT_QUERY}, on the leader. */
    protected ByteBuffer answer(ByteBuffer query) throws IOException {
        throw new IllegalArgumentException("unknown query");
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        snapshotEvery = RaftServerConfigKeys.Snapshot.autoTriggerThreshold(server.getProperties());
        keptForLaggards = 2 * RaftServerConfigKeys.Log.segmentSizeMax(server.getProperties()).getSize();
        nextSnapshotIndex = snapshotEvery;
        storage.init(raftStorage);
        loadLatest();
        getLifeCycle().transition(LifeCycle.State.STARTING);
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    /** Ratis pauses the state machine before it reloads it from a newly installed snapshot. */
    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    @Override
    public void reinitialize() throws IOException {
        loadLatest();
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    private void loadLatest() throws IOException {
        SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
        latest = snapshot;
        if (snapshot == null) {
            loadSnapshot(null);
            return;
        }
        loadSnapshot(snapshot.getFile().getPath());
        setLastAppliedTermIndex(snapshot.getTermIndex());
        nextSnapshotIndex = snapshot.getIndex() + snapshotEvery;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        CompletableFuture<Message> result;
        boolean snapshotDue;
        synchronized (applying) {
            if (entry.getIndex() <= caughtUpTo) {
                updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
                return CompletableFuture.completedFuture(Message.EMPTY);
            }
            try {
                ByteBuffer reply = apply(entry.getTerm(), entry.getIndex(),
                        entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
                result = CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(reply)));
            } catch (IOException | RuntimeException e) {
                result = CompletableFuture.failedFuture(e);
            } finally {
                updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            }
            bytesSinceSnapshot += entry.getSerializedSize();
            snapshotDue = entry.getIndex() >= nextSnapshotIndex || bytesSinceSnapshot >= SNAPSHOT_BYTES;
            if (snapshotDue) {
                // A failed snapshot is tried again after as many entries or bytes.
                bytesSinceSnapshot = 0;
            }
        }
        if (snapshotDue) {
            nextSnapshotIndex = entry.getIndex() + snapshotEvery;
            snapshotAndPurge();
        }
        return result;
    }

    /** Snapshots the state and purges the Raft log (see the class comment). */
    private void snapshotAndPurge() {
        if (getLastAppliedTermIndex().getIndex() < 0) {
            return;
        }
        try {
            long index = snapshotNow().getIndex();
            RaftServer.Division division = division();
            long upTo = PurgePoint.of(index, division.getId(), division.getGroup().getPeers(), division.getCommitInfos());
            if (upTo < index && logBytes(division) > keptForLaggards) {
                upTo = index;
            }
            if (upTo >= 0) {
                division.getRaftLog().purge(upTo);
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("group {}: could not take a snapshot (trying again in {} entries); the Raft log keeps growing "
                    + "until one succeeds", getGroupId(), snapshotEvery, e);
        }
    }

    /** The bytes of the group's Raft log segments on disk. */
    private static long logBytes(RaftServer.Division division) throws IOException {
        File[] segments = division.getRaftStorage().getStorageDir().getCurrentDir()
                .listFiles((dir, name) -> name.startsWith("log_"));
        long bytes = 0;
        for (File segment : segments == null ? new File[0] : segments) {
            bytes += segment.length();
        }
        return bytes;
    }

    /**
     * Answers {@link #SNAPSHOT_QUERY} with {@code version:int16 (=1) term:int64 index:int64 snapshot:bytes},
     * any other query with {@link #answer}.
     */
    @Override
    public CompletableFuture<Message> query(Message request) {
        ByteBuffer content = request.getContent().asReadOnlyByteBuffer();
        if (!content.equals(SNAPSHOT_QUERY)) {
            try {
                return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(answer(content))));
            } catch (IOException | RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        try {
            ByteBuffer state;
            TermIndex last;
            synchronized (applying) {
                state = snapshot();
                last = getLastAppliedTermIndex();
            }
            ByteBuffer reply = new ByteWriter(24 + state.remaining()).putVersion(SNAPSHOT_ANSWER_VERSION)
                    .putLong(last.getTerm()).putLong(last.getIndex()).putBytes(state).toBuffer();
            return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(reply)));
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Ratis asks a follower to catch up from a snapshot when the leader no longer has the entries it
     * needs next, and also, once, whenever it does not count a follower as caught up (after it restarted
     * its log appender for that follower) and the follower has no snapshot yet. When the leader still has
     * the last entry this follower applied, the answer is this follower's own state, as a snapshot (see
     * {@link #ownStateAsSnapshot}). Otherwise the follower installs the leader's state
     * ({@link #installLeaderState}), also when the leader's log starts just after its last applied entry:
     * a leader that no longer has that entry cannot tell the term of the entry before the next one it
     * sends, and would ask again and again. Ratis then pauses this state machine, reloads it from that
     * snapshot and continues the log after it. Both run on a thread of their own: they wait for the apply
     * thread or the leader, and Ratis waits for the future.
     */
    @Override
    public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(RaftProtos.RoleInfoProto roleInfo,
                                                                       TermIndex firstAvailable) {
        TermIndex applied = getLastAppliedTermIndex();
        if (applied != null && applied.getIndex() >= firstAvailable.getIndex()) {
            return CompletableFuture.supplyAsync(() -> ownStateAsSnapshot(firstAvailable), onOwnThread("snapshot-answer-"));
        }
        return CompletableFuture.supplyAsync(() -> installLeaderState(firstAvailable), onOwnThread("catch-up-"));
    }

    private Executor onOwnThread(String prefix) {
        return task -> {
            Thread thread = new Thread(task, prefix + getGroupId());
            thread.setDaemon(true);
            thread.start();
        };
    }

    /**
     * Fetches the leader's state, brings what it does not hold up to date ({@link #prepareInstall}) and
     * stores it as this replica's latest snapshot. Returns null (Ratis asks again later) if that fails.
     */
    private TermIndex installLeaderState(TermIndex firstAvailable) {
        LOG.info("group {}: catching up from the leader's state (its Raft log starts at {})", getGroupId(), firstAvailable);
        try {
            SnapshotAnswer answer = SnapshotAnswer.decode(askLeader(SNAPSHOT_QUERY));
            TermIndex asOf = answer.asOf();
            ByteBuffer state = answer.state();
            synchronized (applying) {
                prepareInstall(state.duplicate(), this::askLeader);
                storeSnapshot(storage.getSnapshotFile(asOf.getTerm(), asOf.getIndex()), state, asOf);
                caughtUpTo = asOf.getIndex();
            }
            LOG.info("group {}: caught up to the leader's state at {}", getGroupId(), asOf);
            return asOf;
        } catch (IOException | RuntimeException e) {
            LOG.warn("group {}: could not catch up from the leader's state (trying again when the leader asks): {}",
                    getGroupId(), e.toString());
            return null;
        }
    }

    /** The answer to {@link #SNAPSHOT_QUERY}: the leader's state and the entry it is as of. */
    public record SnapshotAnswer(TermIndex asOf, ByteBuffer state) {
        public static SnapshotAnswer decode(ByteBuffer reply) {
            ByteReader r = new ByteReader(reply);
            r.version(SNAPSHOT_ANSWER_VERSION, "snapshot answer");
            TermIndex asOf = TermIndex.valueOf(r.getLong(), r.getLong());
            ByteBuffer state = r.getBytes();
            r.expectEnd();
            return new SnapshotAnswer(asOf, state);
        }
    }

    private ByteBuffer askLeader(ByteBuffer query) {
        try {
            return queryLeader.apply(query).get(LEADER_QUERY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking the leader", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the leader did not answer: " + e, e);
        }
    }

    /**
     * Answers a snapshot request with this replica's own state, once every entry in its Raft log is applied:
     * Ratis restarts its log writer at the snapshot's index, so a snapshot short of the log's end would make
     * it overwrite entries it holds. Returns null (Ratis asks again later) if the log's tail stays unapplied.
     */
    private TermIndex ownStateAsSnapshot(TermIndex firstAvailable) {
        try {
            long deadline = System.nanoTime() + OWN_SNAPSHOT_WAIT.toNanos();
            while (getLastAppliedTermIndex().getIndex() < lastLogIndex()) {
                if (System.nanoTime() > deadline) {
                    warnUnappliedTail(firstAvailable);
                    return null;
                }
                Thread.sleep(10);
            }
            TermIndex own = snapshotNow();
            LOG.info("group {}: the leader asked for a snapshot from {} on; answered with this replica's own state at {}",
                    getGroupId(), firstAvailable, own);
            return own;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * Says, at most once a minute, that this replica is waiting on entries it cannot apply yet: the leader
     * sends no entries while it waits for the snapshot answer, so if this lasts, the replica stays out of
     * sync (entries after its commit index, such as a former leader's uncommitted tail, are only applied
     * once the leader's appends say they are committed).
     */
    private void warnUnappliedTail(TermIndex firstAvailable) throws IOException {
        long now = System.nanoTime();
        long last = tailWarnedNanos;
        if (last != 0 && now - last < TimeUnit.MINUTES.toNanos(1)) {
            return;
        }
        tailWarnedNanos = now;
        LOG.warn("group {}: the leader asked for a snapshot from {} on, but this replica's Raft log holds entries up to {} "
                + "that are applied only up to {}; not answering with its own state yet (asked again later)",
                getGroupId(), firstAvailable, lastLogIndex(), getLastAppliedTermIndex());
    }

    /** The index of the last entry in this replica's Raft log. */
    private long lastLogIndex() throws IOException {
        TermIndex last = division().getRaftLog().getLastEntryTermIndex();
        return last == null ? RaftLog.INVALID_LOG_INDEX : last.getIndex();
    }

    private RaftServer.Division division() throws IOException {
        return getServer().join().getDivision(getGroupId());
    }

    /** Snapshots the state as of the last applied entry, between two entries, from any thread. */
    private TermIndex snapshotNow() throws IOException {
        synchronized (applying) {
            TermIndex last = getLastAppliedTermIndex();
            storeSnapshot(storage.getSnapshotFile(last.getTerm(), last.getIndex()), snapshot(), last);
            snapshotStored();
            return last;
        }
    }

    /**
     * Ratis calls this only when asked for a snapshot explicitly (its own triggers are off). The snapshot is
     * taken and the log purged here; the answer leaves Ratis nothing to purge by its own rule.
     */
    @Override
    public long takeSnapshot() {
        snapshotAndPurge();
        return RaftLog.INVALID_LOG_INDEX;
    }

    /** Snapshots what was applied since the last snapshot, so that a restart replays less. */
    @Override
    public void close() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        SingleFileSnapshotInfo stored = latest;
        if (last != null && last.getIndex() > (stored == null ? RaftLog.INVALID_LOG_INDEX : stored.getIndex())) {
            try {
                snapshotNow();
            } catch (IOException | RuntimeException e) {
                LOG.warn("group {}: no snapshot on close; a restart replays the Raft log from the one before", getGroupId(), e);
            }
        }
        super.close();
    }

    /** Writes a snapshot file durably (before Ratis may purge the log it replaces) and makes it the latest. */
    private void storeSnapshot(File file, ByteBuffer bytes, TermIndex asOf) throws IOException {
        Path tmp = file.toPath().resolveSibling(file.getName() + ".tmp");
        writeDurably(tmp, bytes);
        Files.move(tmp, file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        SingleFileSnapshotInfo info = new SingleFileSnapshotInfo(
                new FileInfo(file.toPath(), MD5FileUtil.computeAndSaveMd5ForFile(file)), asOf);
        storage.updateLatestSnapshot(info);
        latest = info;
        storage.cleanupOldSnapshots(KEEP_TWO);
        nextSnapshotIndex = asOf.getIndex() + snapshotEvery;
        bytesSinceSnapshot = 0;
    }

    private static void writeDurably(Path file, ByteBuffer bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        }
    }

    /**
     * The latest snapshot, as this state machine stored it. Ratis asks on every append a follower takes;
     * {@link SimpleStateMachineStorage} would scan the snapshot directory each time while there is none
     * yet, and a scan that finds none while a first snapshot is being stored fails the append with a
     * NullPointerException inside the storage.
     */
    @Override
    public SingleFileSnapshotInfo getLatestSnapshot() {
        return latest;
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }
}
