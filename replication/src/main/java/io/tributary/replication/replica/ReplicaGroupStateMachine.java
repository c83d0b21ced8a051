package io.tributary.replication.replica;

import io.tributary.replication.SnapshottingStateMachine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * A replica group's state machine: applies entries to its {@link ReplicaGroup}. A member that catches up
 * from the leader's state copies the partition records it lacks from the leader's logs.
 */
public final class ReplicaGroupStateMachine extends SnapshottingStateMachine {
    private final ReplicaGroup group;
    private final Runnable onLeaderChange;

    /**
     * @param queryLeader    sends a read-only query to the group's leader
     * @param onLeaderChange told (on a Ratis thread) whenever the group's leader changes
     */
    public ReplicaGroupStateMachine(ReplicaGroup group, Function<ByteBuffer, CompletableFuture<ByteBuffer>> queryLeader,
                                    Runnable onLeaderChange) {
        super(queryLeader);
        this.group = group;
        this.onLeaderChange = onLeaderChange;
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
        onLeaderChange.run();
    }

    @Override
    protected ByteBuffer apply(long term, long index, ByteBuffer entry) throws IOException {
        return group.apply(term, entry);
    }

    @Override
    protected ByteBuffer snapshot() throws IOException {
        return group.snapshot();
    }

    @Override
    protected void loadSnapshot(Path file) throws IOException {
        group.loadSnapshot(file);
    }

    @Override
    protected void prepareInstall(ByteBuffer leaderSnapshot, UnaryOperator<ByteBuffer> queryLeader) throws IOException {
        group.rebuildFrom(leaderSnapshot, queryLeader);
    }

    @Override
    protected ByteBuffer answer(ByteBuffer query) throws IOException {
        return group.read(query);
    }

    @Override
    protected void snapshotStored() throws IOException {
        group.snapshotStored();
    }

    @Override
    public void close() throws IOException {
        super.close();
        group.closeAll();
    }
}
