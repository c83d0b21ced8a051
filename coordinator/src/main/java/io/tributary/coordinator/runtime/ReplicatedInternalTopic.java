package io.tributary.coordinator.runtime;

import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.replication.partition.AppendOrigin;
import io.tributary.replication.partition.AppendResult;
import io.tributary.replication.partition.PartitionLeader;
import io.tributary.replication.partition.Partitions;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * An internal topic replicated like any other: records are written as one uncompressed batch per append
 * and read back, when a shard loads, through the partition's leader handle.
 */
public final class ReplicatedInternalTopic implements InternalTopic {
    private static final int LOAD_READ_BYTES = 1 << 20;

    private final String topic;
    private final Partitions partitions;
    private final Supplier<MetadataImage> metadata;

    public ReplicatedInternalTopic(String topic, Partitions partitions, Supplier<MetadataImage> metadata) {
        this.topic = topic;
        this.partitions = partitions;
        this.metadata = metadata;
    }

    @Override
    public int partitionCount() {
        TopicInfo t = metadata.get().topics().get(topic);
        return t == null ? 0 : t.partitionCount();
    }

    @Override
    public boolean isLeader(int partition) {
        return partitions.leader(topic, partition).found();
    }

    @Override
    public int leaderEpoch(int partition) {
        Partitions.Lookup lookup = partitions.leader(topic, partition);
        return lookup.found() ? lookup.leader().leaderEpoch() : -1;
    }

    @Override
    public Optional<Iterator<CoordinatorRecord>> records(int partition) {
        Partitions.Lookup lookup = partitions.leader(topic, partition);
        return lookup.found() ? Optional.of(new Replay(lookup.leader())) : Optional.empty();
    }

    @Override
    public CompletableFuture<Long> append(int partition, List<CoordinatorRecord> records) {
        Partitions.Lookup lookup = partitions.leader(topic, partition);
        if (!lookup.found()) {
            return CompletableFuture.failedFuture(new NotCoordinatorException(topic + "-" + partition + ": " + lookup.error()));
        }
        return partitions.append(List.of(new Partitions.Write(lookup.leader(), encode(records))), AppendOrigin.COORDINATOR,
                (short) -1, 0).thenApply(results -> {
                    AppendResult r = results.get(0);
                    if (r.error() != Errors.NONE) {
                        throw r.error().exception("appending to " + topic + "-" + partition + " failed: " + r.message());
                    }
                    return r.baseOffset();
                });
    }

    @Override
    public CompletableFuture<Void> deleteBefore(int partition, long offset) {
        Partitions.Lookup lookup = partitions.leader(topic, partition);
        if (!lookup.found()) {
            return CompletableFuture.completedFuture(null);
        }
        return partitions.deleteRecords(List.of(new Partitions.Deletion(lookup.leader(), offset)), 0).thenApply(r -> null);
    }

    private static MemoryRecords encode(List<CoordinatorRecord> records) {
        int size = 64;
        for (CoordinatorRecord r : records) {
            size += r.estimatedSize();
        }
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(size), Compression.NONE,
                TimestampType.CREATE_TIME, 0);
        long now = System.currentTimeMillis();
        for (CoordinatorRecord r : records) {
            builder.append(now, r.key().duplicate(), r.value() == null ? null : r.value().duplicate());
        }
        return builder.build();
    }

    /**
     * The keyed records of a partition from its log start to the high watermark as of the start, read a
     * megabyte at a time, without transaction markers. A log start that moves on meanwhile (compaction)
     * restarts the read from there.
     */
    private static final class Replay implements Iterator<CoordinatorRecord> {
        private final PartitionLeader partition;
        private final long end;
        private final Deque<CoordinatorRecord> buffered = new ArrayDeque<>();
        private long next;

        Replay(PartitionLeader partition) {
            this.partition = partition;
            this.next = partition.logStartOffset();
            this.end = partition.highWatermark();
        }

        @Override
        public boolean hasNext() {
            while (buffered.isEmpty() && next < end) {
                readMore();
            }
            return !buffered.isEmpty();
        }

        @Override
        public CoordinatorRecord next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return buffered.poll();
        }

        private void readMore() {
            PartitionLeader.Read read;
            try {
                read = partition.read(next, LOAD_READ_BYTES, true, IsolationLevel.READ_UNCOMMITTED);
            } catch (org.apache.kafka.common.errors.OffsetOutOfRangeException e) {
                next = partition.logStartOffset();
                return;
            }
            if (read.records().isEmpty()) {
                next = end;
                return;
            }
            for (RecordBatch batch : MemoryRecords.readableRecords(read.records().copy()).batches()) {
                if (batch.isControlBatch()) {
                    next = batch.lastOffset() + 1;
                    continue;
                }
                for (Record r : batch) {
                    if (r.offset() >= next && r.offset() < end && r.hasKey()) {
                        buffered.add(new CoordinatorRecord(copy(r.key()), r.hasValue() ? copy(r.value()) : null));
                    }
                }
                next = batch.lastOffset() + 1;
            }
        }

        private static ByteBuffer copy(ByteBuffer b) {
            ByteBuffer c = ByteBuffer.allocate(b.remaining());
            c.put(b.duplicate());
            return c.flip();
        }
    }
}
