package io.tributary.replication;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
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
import org.apache.ratis.util.MD5FileUtil;

/**
 * A thin Ratis state machine: it hands each committed entry to a domain object and keeps that object's
 * snapshots in one file each, in Ratis's snapshot directory. Entries are applied one at a time on
 * Ratis's apply thread, and snapshots are taken on that same thread, between entries.
 */
public abstract class SnapshottingStateMachine extends BaseStateMachine {
    private static final SnapshotRetentionPolicy KEEP_TWO = new SnapshotRetentionPolicy() {
        @Override
        public int getNumSnapshotsRetained() {
            return 2;
        }
    };

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();

    /** Applies one committed entry and returns the reply for the proposer. */
    protected abstract ByteBuffer apply(long term, long index, ByteBuffer entry) throws IOException;

    /** Writes the domain state (as of the last applied entry) to {@code file}. */
    protected abstract void writeSnapshot(Path file) throws IOException;

    /** Replaces the domain state with a snapshot's, or with the initial state when {@code file} is null. */
    protected abstract void loadSnapshot(Path file) throws IOException;

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        loadLatest();
    }

    @Override
    public void reinitialize() throws IOException {
        loadLatest();
    }

    private void loadLatest() throws IOException {
        SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
        if (snapshot == null) {
            loadSnapshot(null);
            return;
        }
        loadSnapshot(snapshot.getFile().getPath());
        setLastAppliedTermIndex(snapshot.getTermIndex());
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        try {
            ByteBuffer reply = apply(entry.getTerm(), entry.getIndex(),
                    entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(reply)));
        } catch (IOException | RuntimeException e) {
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        Path tmp = file.toPath().resolveSibling(file.getName() + ".tmp");
        writeSnapshot(tmp);
        Files.move(tmp, file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(
                new FileInfo(file.toPath(), MD5FileUtil.computeAndSaveMd5ForFile(file)), last));
        storage.cleanupOldSnapshots(KEEP_TWO);
        return last.getIndex();
    }

    /** Writes a snapshot file and forces it to disk before Ratis may purge the log it replaces. */
    protected static void writeDurably(Path file, ByteBuffer bytes) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        }
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }
}
