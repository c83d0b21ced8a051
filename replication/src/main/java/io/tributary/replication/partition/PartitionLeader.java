package io.tributary.replication.partition;

import io.tributary.replication.replica.LeaderEpochCache;
import io.tributary.replication.replica.PartitionKey;
import io.tributary.replication.replica.PartitionReplica;
import io.tributary.replication.replica.ProducerStateTable;
import io.tributary.storage.AbortedTxn;
import io.tributary.storage.FileSlice;
import io.tributary.storage.PartitionLog;
import io.tributary.storage.TimestampOffset;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.ratis.protocol.RaftGroupId;

/**
 * This broker's leader replica of one partition, as the protocol layer reads it: offsets, leader epoch,
 * records, timestamp and epoch lookups. Obtained from {@link Partitions#leader}, which checks that this
 * broker leads the partition in the epoch the client names; writes go through {@link Partitions#append}.
 *
 * <p>A handle is for one request: it keeps the epoch it was looked up in, and a replica group that
 * reloads from a snapshot replaces its replicas, so a request that waits looks the partition up again.
 * Failures are Kafka exceptions (OFFSET_OUT_OF_RANGE, KAFKA_STORAGE_ERROR).
 */
public final class PartitionLeader {
    private final String topic;
    private final PartitionKey key;
    private final RaftGroupId group;
    private final PartitionReplica replica;
    private final int leaderEpoch;
    private final TopicSettings settings;

    PartitionLeader(String topic, PartitionKey key, RaftGroupId group, PartitionReplica replica, int leaderEpoch,
                    TopicSettings settings) {
        this.topic = topic;
        this.key = key;
        this.group = group;
        this.replica = replica;
        this.leaderEpoch = leaderEpoch;
        this.settings = settings;
    }

    /**
     * What a fetch read, with the offsets it was read against; for read_committed, the aborted
     * transactions a consumer must know of to skip their records (null for read_uncommitted).
     */
    public record Read(SegmentRecords records, long highWatermark, long lastStableOffset, long logStartOffset,
                       List<AbortedTransaction> abortedTransactions) {
    }

    /** A transaction that was aborted: its producer and its first offset, as a fetch response names it. */
    public record AbortedTransaction(long producerId, long firstOffset) {
    }

    /**
     * A producer the partition remembers, as DescribeProducers shows it: its epoch, last sequence and
     * last write, the epoch of the coordinator that last ended one of its transactions (-1 if none did) and
     * where its open transaction began (-1 if none is open).
     */
    public record ActiveProducer(long producerId, short epoch, int lastSequence, long lastTimestamp, int coordinatorEpoch,
                                 long txnStartOffset) {
    }

    /**
     * A producer's transaction in this partition, as its leader checks it before a transactional batch:
     * the producer's epoch here, whether its transaction is open here, and the offset of its last marker.
     */
    public record ProducerTxn(short epoch, boolean open, long lastMarkerOffset) {
    }

    /** A record found by timestamp: its timestamp, offset and the leader epoch that wrote it. */
    public record ListedOffset(long timestamp, long offset, int leaderEpoch) {
    }

    /** The largest epoch at most the one asked for, and where its log ended (-1, -1 before every epoch). */
    public record EpochEnd(int epoch, long endOffset) {
    }

    public String topic() {
        return topic;
    }

    public Uuid topicId() {
        return key.topicId();
    }

    public int partition() {
        return key.partition();
    }

    /** The leader epoch the partition was looked up in: its replica group's Raft term. */
    public int leaderEpoch() {
        return leaderEpoch;
    }

    public long logStartOffset() {
        return log().logStartOffset();
    }

    /** The log end: the leader appends only committed entries, so everything in its log is committed. */
    public long highWatermark() {
        return log().logEndOffset();
    }

    /** The offset below which every transaction is decided; with no transaction open, the high watermark. */
    public long lastStableOffset() {
        return replica.lastStableOffset();
    }

    /**
     * Reads whole batches from {@code offset} on, at most {@code maxBytes} (at least one batch when
     * {@code minOneBatch}), up to the high watermark, or the last stable offset for read_committed.
     */
    public Read read(long offset, int maxBytes, boolean minOneBatch, IsolationLevel isolation) {
        long lastStable = lastStableOffset();
        long highWatermark = highWatermark();
        boolean committed = isolation == IsolationLevel.READ_COMMITTED;
        try {
            FileSlice slice = log().read(offset, maxBytes, committed ? lastStable : highWatermark, minOneBatch);
            List<AbortedTransaction> aborted = null;
            if (committed) {
                aborted = new ArrayList<>();
                if (!slice.isEmpty()) {
                    for (AbortedTxn txn : log().abortedTxns(offset, log().offsetBoundOf(offset, slice))) {
                        aborted.add(new AbortedTransaction(txn.producerId(), txn.firstOffset()));
                    }
                }
            }
            return new Read(new SegmentRecords(slice), highWatermark, lastStable, logStartOffset(), aborted);
        } catch (io.tributary.storage.OffsetOutOfRangeException e) {
            throw new OffsetOutOfRangeException(e.getMessage());
        } catch (IOException e) {
            throw storageError("read", e);
        }
    }

    public ProducerTxn producerTxn(long producerId) {
        ProducerStateTable.TxnView view = replica.txnView(producerId);
        return new ProducerTxn(view.epoch(), view.open(), view.lastMarkerOffset());
    }

    /** Every producer the partition remembers. */
    public List<ActiveProducer> activeProducers() {
        return replica.describeProducers().stream().map(p -> new ActiveProducer(p.producerId(), p.epoch(), p.lastSequence(),
                p.lastTimestamp(), p.coordinatorEpoch(), p.txnFirstOffset())).toList();
    }

    /** The first record with a timestamp at or after {@code timestamp}, if there is one. */
    public Optional<ListedOffset> offsetForTimestamp(long timestamp) {
        try {
            return listed(log().offsetForTimestamp(timestamp));
        } catch (IOException e) {
            throw storageError("search by timestamp", e);
        }
    }

    /** The first record with the largest timestamp, if the log has any. */
    public Optional<ListedOffset> maxTimestamp() {
        try {
            return listed(log().maxTimestampAndOffset());
        } catch (IOException e) {
            throw storageError("search for the largest timestamp", e);
        }
    }

    private Optional<ListedOffset> listed(TimestampOffset found) {
        return found == null ? Optional.empty()
                : Optional.of(new ListedOffset(found.timestamp(), found.offset(), replica.epochs().epochOf(found.offset())));
    }

    /** Where {@code epoch} (or the largest epoch before it) ended, as OffsetForLeaderEpoch answers. */
    public EpochEnd endOffsetForEpoch(int epoch) {
        LeaderEpochCache.EpochEnd end = replica.epochs().endOffsetFor(epoch, highWatermark());
        return new EpochEnd(end.epoch(), end.endOffset());
    }

    PartitionKey key() {
        return key;
    }

    RaftGroupId group() {
        return group;
    }

    TopicSettings settings() {
        return settings;
    }

    private PartitionLog log() {
        return replica.log();
    }

    private KafkaStorageException storageError(String what, IOException e) {
        return new KafkaStorageException("could not " + what + " in " + this + ": " + e.getMessage(), e);
    }

    @Override
    public String toString() {
        return topic + "-" + key.partition();
    }
}
