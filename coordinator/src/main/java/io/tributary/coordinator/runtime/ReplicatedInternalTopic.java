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
import org.apache.kafka.common.utils.internals.Crc32C;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * An internal topic replicated like any other: records are written as one uncompressed batch per append
 * and read back, when a shard loads, through the partition's leader handle.
 */
public final class ReplicatedInternalTopic implements InternalTopic {
    /** Positions in a record batch's header (Kafka's DefaultRecordBatch): the CRC covers attributes to the end. */
    private static final int CRC = 17;
    private static final int ATTRIBUTES = 21;
    private static final int BASE_SEQUENCE = 53;
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
    public Optional<Iterator<LogEntry>> records(int partition) {
        Partitions.Lookup lookup = partitions.leader(topic, partition);
        return lookup.found() ? Optional.of(new Replay(lookup.leader())) : Optional.empty();
    }

    @Override
    public CompletableFuture<Long> append(int partition, List<CoordinatorRecord> records, TransactionalWrite txn) {
        Partitions.Lookup lookup = partitions.leader(topic, partition);
        if (!lookup.found()) {
            return notCoordinator(partition, lookup);
        }
        Partitions.Write write = txn == null ? new Partitions.Write(lookup.leader(), encode(records, null))
                : new Partitions.Write(lookup.leader(), encode(records, txn), txn.expectedMarker());
        return partitions.append(List.of(write), AppendOrigin.COORDINATOR, (short) -1, 0)
                .thenApply(results -> checked(partition, results.get(0)).baseOffset());
    }

    @Override
    public CompletableFuture<Void> writeMarker(int partition, long producerId, short producerEpoch, int coordinatorEpoch,
                                               boolean commit) {
        Partitions.Lookup lookup = partitions.leader(topic, partition);
        if (!lookup.found()) {
            return notCoordinator(partition, lookup);
        }
        return partitions.writeMarkers(List.of(new Partitions.Marker(lookup.leader(), producerId, producerEpoch,
                coordinatorEpoch, commit)), 0).thenAccept(results -> checked(partition, results.get(0)));
    }

    @Override
    public long lastMarkerOffset(int partition, long producerId) {
        Partitions.Lookup lookup = partitions.leader(topic, partition);
        return lookup.found() ? lookup.leader().producerTxn(producerId).lastMarkerOffset() : -1;
    }

    private <T> CompletableFuture<T> notCoordinator(int partition, Partitions.Lookup lookup) {
        return CompletableFuture.failedFuture(new NotCoordinatorException(topic + "-" + partition + ": " + lookup.error()));
    }

    private AppendResult checked(int partition, AppendResult r) {
        if (r.error() != Errors.NONE) {
            throw r.error().exception("writing to " + topic + "-" + partition + " failed: " + r.message());
        }
        return r;
    }

    @Override
    public CompletableFuture<Void> deleteBefore(int partition, long offset) {
        Partitions.Lookup lookup = partitions.leader(topic, partition);
        if (!lookup.found()) {
            return CompletableFuture.completedFuture(null);
        }
        return partitions.deleteRecords(List.of(new Partitions.Deletion(lookup.leader(), offset)), 0).thenApply(r -> null);
    }

    /** One uncompressed batch; in the producer's transaction (without sequence numbers, as Kafka writes them) if given. */
    private static MemoryRecords encode(List<CoordinatorRecord> records, TransactionalWrite txn) {
        int size = 64;
        for (CoordinatorRecord r : records) {
            size += r.estimatedSize();
        }
        long now = System.currentTimeMillis();
        MemoryRecordsBuilder builder = txn == null
                ? MemoryRecords.builder(ByteBuffer.allocate(size), Compression.NONE, TimestampType.CREATE_TIME, 0)
                : MemoryRecords.builder(ByteBuffer.allocate(size), RecordBatch.CURRENT_MAGIC_VALUE, Compression.NONE,
                        TimestampType.CREATE_TIME, 0, now, txn.producerId(), txn.producerEpoch(), 0,
                        true, RecordBatch.NO_PARTITION_LEADER_EPOCH);
        for (CoordinatorRecord r : records) {
            builder.append(now, r.key().duplicate(), r.value() == null ? null : r.value().duplicate());
        }
        MemoryRecords built = builder.build();
        if (txn != null) {
            withoutSequence(built.buffer());
        }
        return built;
    }

    /**
     * Sets a built batch's base sequence to none (-1) and its CRC to match. The builder insists on a
     * sequence for a producer's batch, but a coordinator's batch in a producer's transaction must have
     * none: the partition would otherwise take it for the producer's own and check it as a retry.
     */
    private static void withoutSequence(ByteBuffer batch) {
        batch.putInt(BASE_SEQUENCE, RecordBatch.NO_SEQUENCE);
        batch.putInt(CRC, (int) Crc32C.compute(batch, ATTRIBUTES, batch.limit() - ATTRIBUTES));
    }

    /**
     * The keyed records and transaction markers of a partition from its log start to the high watermark as
     * of the start, read a megabyte at a time. A log start that moves on meanwhile (compaction) restarts
     * the read from there.
     */
    private static final class Replay implements Iterator<LogEntry> {
        private final PartitionLeader partition;
        private final long end;
        private final Deque<LogEntry> buffered = new ArrayDeque<>();
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
        public LogEntry next() {
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
                    Record marker = batch.iterator().next();
                    if (marker.offset() >= next && marker.offset() < end) {
                        buffered.add(new LogEntry.Marker(batch.producerId(),
                                ControlRecordType.parse(marker.key()) == ControlRecordType.COMMIT));
                    }
                    next = batch.lastOffset() + 1;
                    continue;
                }
                long producerId = batch.isTransactional() ? batch.producerId() : -1;
                for (Record r : batch) {
                    if (r.offset() >= next && r.offset() < end && r.hasKey()) {
                        buffered.add(new LogEntry.Written(new CoordinatorRecord(copy(r.key()), r.hasValue() ? copy(r.value()) : null),
                                producerId));
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
