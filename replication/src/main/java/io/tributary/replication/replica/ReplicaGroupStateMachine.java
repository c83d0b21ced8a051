package io.tributary.replication.replica;

import io.tributary.replication.SnapshottingStateMachine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;

/** A replica group's state machine: applies entries to its {@link ReplicaGroup}. */
public final class ReplicaGroupStateMachine extends SnapshottingStateMachine {
    private final ReplicaGroup group;
    private final Runnable onLeaderChange;

    /** @param onLeaderChange told (on a Ratis thread) whenever the group's leader changes */
    public ReplicaGroupStateMachine(ReplicaGroup group, Runnable onLeaderChange) {
        super(null);
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
    protected void snapshotStored() throws IOException {
        group.snapshotStored();
    }

    @Override
    public void close() throws IOException {
        super.close();
        group.closeAll();
    }
}
