package io.tributary.replication.metadata;

import io.tributary.replication.SnapshottingStateMachine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/** The metadata group's state machine: applies {@link MetadataCommand}s to {@link ClusterMetadata}. */
public final class MetadataStateMachine extends SnapshottingStateMachine {
    private final ClusterMetadata metadata;
    private final Consumer<MetadataImage> onChange;

    /**
     * @param onChange called on the apply thread after every change with the new image; it must only
     *                 hand work to other threads
     * @param queryLeader sends a read-only query to the metadata leader (see {@link SnapshottingStateMachine})
     */
    public MetadataStateMachine(ClusterMetadata metadata, Consumer<MetadataImage> onChange,
                                Function<ByteBuffer, CompletableFuture<ByteBuffer>> queryLeader) {
        super(queryLeader);
        this.metadata = metadata;
        this.onChange = onChange;
    }

    @Override
    protected ByteBuffer apply(long term, long index, ByteBuffer entry) {
        MetadataResult result = metadata.apply(MetadataCommand.decode(entry));
        onChange.accept(metadata.image());
        return result.encode();
    }

    @Override
    protected ByteBuffer snapshot() {
        return ClusterMetadata.encode(metadata.image());
    }

    @Override
    protected void loadSnapshot(Path file) throws IOException {
        metadata.restore(file == null ? MetadataImage.EMPTY : ClusterMetadata.decode(ByteBuffer.wrap(Files.readAllBytes(file))));
        onChange.accept(metadata.image());
    }
}
