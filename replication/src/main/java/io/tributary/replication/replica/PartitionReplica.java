package io.tributary.replication.replica;

import io.tributary.storage.BatchHeader;
import io.tributary.storage.LogConfig;
import io.tributary.storage.PartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.kafka.common.protocol.Errors;

/**
 * This broker's replica of one partition: its log, its idempotent-producer state and its leader-epoch
 * history. Changed only by its replica group's apply thread; read from any thread.
 */
public final class PartitionReplica {
    private final PartitionKey key;
    private final String topic;
    private final PartitionLog log;
    private final ProducerStateTable producers;
    private final LeaderEpochCache epochs;
    private volatile Map<String, String> configs;

    PartitionReplica(PartitionKey key, String topic, Map<String, String> configs, PartitionLog log,
                     ProducerStateTable producers, LeaderEpochCache epochs) {
        this.key = key;
        this.topic = topic;
        this.configs = Map.copyOf(configs);
        this.log = log;
        this.producers = producers;
        this.epochs = epochs;
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
     */
    PartitionResult append(ByteBuffer batch, int epoch, boolean logAppendTime, long timestampMs) throws IOException {
        int pos = batch.position();
        long producerId = BatchHeader.producerId(batch, pos);
        short producerEpoch = BatchHeader.producerEpoch(batch, pos);
        int firstSeq = BatchHeader.baseSequence(batch, pos);
        int lastSeq = lastSequence(firstSeq, BatchHeader.lastOffsetDelta(batch, pos));
        boolean idempotent = producerId >= 0 && firstSeq >= 0;
        if (idempotent) {
            ProducerStateTable.Verdict verdict = producers.check(producerId, producerEpoch, firstSeq, lastSeq);
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
        log.append(batch);
        epochs.assign(epoch, baseOffset);
        if (idempotent) {
            producers.record(producerId, producerEpoch, firstSeq, lastSeq, baseOffset, logAppendTime ? appendTime : maxTimestamp);
        }
        return new PartitionResult(Errors.NONE, null, baseOffset, appendTime, log.logStartOffset());
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
    }

    @Override
    public String toString() {
        return topic + "-" + key.partition();
    }
}
