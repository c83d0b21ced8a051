package io.tributary.replication.replica;

import io.tributary.storage.AbortedTxn;
import io.tributary.storage.BatchHeader;
import io.tributary.storage.LogConfig;
import io.tributary.storage.PartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * This broker's replica of one partition: its log, its producer state (idempotence and transactions)
 * and its leader-epoch history. Changed only by its replica group's apply thread; read from any thread.
 */
public final class PartitionReplica {
    private final PartitionKey key;
    private final String topic;
    private final PartitionLog log;
    private final ProducerStateTable producers;
    private final LeaderEpochCache epochs;
    private volatile Map<String, String> configs;
    /** The first offset of the earliest open transaction, -1 if none: published for readers of the last stable offset. */
    private volatile long firstUnstableOffset;

    PartitionReplica(PartitionKey key, String topic, Map<String, String> configs, PartitionLog log,
                     ProducerStateTable producers, LeaderEpochCache epochs) {
        this.key = key;
        this.topic = topic;
        this.configs = Map.copyOf(configs);
        this.log = log;
        this.producers = producers;
        this.epochs = epochs;
        this.firstUnstableOffset = producers.firstUnstableOffset();
    }

    public PartitionKey key() {
        return key;
    }

    public String topic() {
        return topic;
    }

    public PartitionLog log() {
        return log;
    }

    public LeaderEpochCache epochs() {
        return epochs;
    }

    ProducerStateTable producers() {
        return producers;
    }

    /** A producer's transaction here, for the check before its transactional batch. */
    public ProducerStateTable.TxnView txnView(long producerId) {
        return producers.txnView(producerId);
    }

    /** The producers this partition remembers, with their open transactions. */
    public List<ProducerStateTable.ProducerView> describeProducers() {
        return producers.describe();
    }

    /**
     * The offset below which every transaction is decided: the first offset of the earliest open
     * transaction, else the log end. Everything in the log is committed (entries are applied only once
     * committed), so this never exceeds the high watermark.
     */
    public long lastStableOffset() {
        // The log end is read first. The apply thread publishes a transaction's first offset before its
        // batch reaches the log and moves it on only after the marker (and its index entry) did, so a
        // reader that sees a batch in the log end also sees the transaction holding it open.
        long end = log.logEndOffset();
        long unstable = firstUnstableOffset;
        return unstable < 0 ? end : Math.min(unstable, end);
    }

    public Map<String, String> configs() {
        return configs;
    }

    void updateConfigs(Map<String, String> newConfigs, LogConfig logConfig) {
        this.configs = Map.copyOf(newConfigs);
        log.updateConfig(logConfig);
    }

    /**
     * Appends one validated batch held in {@code batch} (position to limit, writable): assigns its
     * offsets at the log end, stamps the leader epoch (and LogAppendTime if asked), after the producer
     * checks. A duplicate of one of the producer's last batches answers with the original offset.
     *
     * @param expectedMarker for a transactional batch, see {@link ProducerStateTable#UNCHECKED}
     */
    PartitionResult append(ByteBuffer batch, int epoch, boolean logAppendTime, long timestampMs, long expectedMarker)
            throws IOException {
        int pos = batch.position();
        long producerId = BatchHeader.producerId(batch, pos);
        short producerEpoch = BatchHeader.producerEpoch(batch, pos);
        int firstSeq = BatchHeader.baseSequence(batch, pos);
        int lastSeq = lastSequence(firstSeq, BatchHeader.lastOffsetDelta(batch, pos));
        boolean idempotent = producerId >= 0 && firstSeq >= 0;
        boolean transactional = BatchHeader.isTransactional(batch, pos);
        boolean unsequencedTxn = transactional && !idempotent && producerId >= 0;
        if (unsequencedTxn) {
            Errors refused = producers.checkUnsequenced(producerId, producerEpoch, expectedMarker);
            if (refused != Errors.NONE) {
                return PartitionResult.error(refused, null);
            }
        }
        if (idempotent) {
            ProducerStateTable.Verdict verdict = producers.check(producerId, producerEpoch, firstSeq, lastSeq, transactional,
                    expectedMarker);
            if (verdict.error() != Errors.NONE) {
                return PartitionResult.error(verdict.error(), null);
            }
            if (verdict.isDuplicate()) {
                return new PartitionResult(Errors.NONE, null, verdict.duplicateOffset(),
                        logAppendTime ? verdict.duplicateTimestamp() : -1, log.logStartOffset());
            }
        }
        long baseOffset = log.logEndOffset();
        BatchHeader.setBaseOffset(batch, pos, baseOffset);
        BatchHeader.setPartitionLeaderEpoch(batch, pos, epoch);
        long appendTime = -1;
        if (logAppendTime) {
            BatchHeader.setLogAppendTime(batch, pos, timestampMs);
            appendTime = timestampMs;
        }
        long maxTimestamp = BatchHeader.maxTimestamp(batch, pos);
        if (transactional && firstUnstableOffset < 0) {
            firstUnstableOffset = baseOffset;
        }
        try {
            log.append(batch);
            epochs.assign(epoch, baseOffset);
            long timestamp = logAppendTime ? appendTime : maxTimestamp;
            if (idempotent) {
                producers.record(producerId, producerEpoch, firstSeq, lastSeq, baseOffset, timestamp, transactional);
            } else if (unsequencedTxn) {
                producers.recordUnsequenced(producerId, producerEpoch, baseOffset, timestamp);
            }
        } finally {
            if (transactional) {
                // Only a transactional batch can open a transaction; the others leave the last stable offset be.
                firstUnstableOffset = producers.firstUnstableOffset();
            }
        }
        return new PartitionResult(Errors.NONE, null, baseOffset, appendTime, log.logStartOffset());
    }

    /**
     * Appends a commit or abort marker ending the producer's open transaction (if it has one) at the log
     * end; an aborted transaction goes into the transaction index before the last stable offset passes it.
     */
    PartitionResult writeMarker(ReplicaGroupCommand.Marker marker, int epoch, long timestampMs) throws IOException {
        Errors error = producers.checkMarker(marker.producerId(), marker.producerEpoch(), marker.coordinatorEpoch());
        if (error != Errors.NONE) {
            return PartitionResult.error(error, null);
        }
        long offset = log.logEndOffset();
        ControlRecordType type = marker.commit() ? ControlRecordType.COMMIT : ControlRecordType.ABORT;
        log.append(MemoryRecords.withEndTransactionMarker(offset, timestampMs, epoch, marker.producerId(),
                marker.producerEpoch(), new EndTransactionMarker(type, marker.coordinatorEpoch())).buffer());
        epochs.assign(epoch, offset);
        long first = producers.endTxn(marker.producerId(), marker.producerEpoch(), marker.coordinatorEpoch(), offset,
                timestampMs);
        long unstable = producers.firstUnstableOffset();
        if (!marker.commit() && first >= 0) {
            log.appendAbortedTxn(new AbortedTxn(marker.producerId(), first, offset, unstable < 0 ? offset + 1 : unstable));
        }
        firstUnstableOffset = unstable;
        return new PartitionResult(Errors.NONE, null, offset, -1, log.logStartOffset());
    }

    /** The last sequence of a batch, wrapping past Integer.MAX_VALUE as Kafka's sequences do. */
    static int lastSequence(int baseSequence, int lastOffsetDelta) {
        if (baseSequence > Integer.MAX_VALUE - lastOffsetDelta) {
            return lastOffsetDelta - (Integer.MAX_VALUE - baseSequence) - 1;
        }
        return baseSequence + lastOffsetDelta;
    }

    /** Truncates the log and forgets epochs and producer batches at or after {@code offset}. */
    void truncateTo(long offset) throws IOException {
        log.truncateTo(offset);
        epochs.truncateFromEnd(log.logEndOffset());
        producers.truncateFromEnd(log.logEndOffset());
        firstUnstableOffset = producers.firstUnstableOffset();
    }

    @Override
    public String toString() {
        return topic + "-" + key.partition();
    }
}
