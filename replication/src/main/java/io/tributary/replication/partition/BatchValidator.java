package io.tributary.replication.partition;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * Checks one partition's records of a Produce request as Kafka's LogValidator does, before anything is
 * written: exactly one batch of format v2, within {@code max.message.bytes}, a valid CRC, base offset 0,
 * records numbered 0..n-1, timestamps within the topic's bounds, keys on compacted topics.
 */
public final class BatchValidator {

    /** What is wrong with one record of a batch, by its index in the batch (Kafka's per-record errors). */
    public record RecordError(int batchIndex, String message) {
    }

    /** The topic settings validation depends on. */
    public record Rules(int maxMessageBytes, boolean logAppendTime, long timestampBeforeMaxMs,
                        long timestampAfterMaxMs, boolean compacted) {
    }

    /** The outcome: NONE, or an error with a message and per-record errors. */
    public record Result(Errors error, String message, List<RecordError> recordErrors, ByteBuffer batch) {
        static Result ok(ByteBuffer batch) {
            return new Result(Errors.NONE, null, List.of(), batch);
        }

        static Result error(Errors error, String message) {
            return new Result(error, message, List.of(), null);
        }

        public boolean isValid() {
            return error == Errors.NONE;
        }
    }

    private BatchValidator() {
    }

    public static Result validate(MemoryRecords records, String topicPartition, Rules rules, long nowMs) {
        Iterator<MutableRecordBatch> batches = records.batches().iterator();
        if (!batches.hasNext()) {
            return Result.error(Errors.INVALID_RECORD, "No record batch in the produce request for " + topicPartition);
        }
        MutableRecordBatch batch = batches.next();
        if (batches.hasNext()) {
            return Result.error(Errors.INVALID_RECORD, "One and only one batch is allowed per partition in a produce request "
                    + "(" + topicPartition + ")");
        }
        if (batch.sizeInBytes() > rules.maxMessageBytes()) {
            return Result.error(Errors.MESSAGE_TOO_LARGE, "The batch for " + topicPartition + " is " + batch.sizeInBytes()
                    + " bytes, larger than max.message.bytes " + rules.maxMessageBytes());
        }
        if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
            return Result.error(Errors.UNSUPPORTED_FOR_MESSAGE_FORMAT, "Record batches of format v" + batch.magic()
                    + " are not supported; use format v2");
        }
        try {
            batch.ensureValid();
        } catch (CorruptRecordException e) {
            return Result.error(Errors.CORRUPT_MESSAGE, e.getMessage());
        }
        if (batch.baseOffset() != 0) {
            return Result.error(Errors.INVALID_RECORD, "The baseOffset of the record batch in the append to " + topicPartition
                    + " should be 0, but it is " + batch.baseOffset());
        }
        if (batch.isControlBatch()) {
            return Result.error(Errors.INVALID_RECORD, "Clients may not write control batches (" + topicPartition + ")");
        }
        if (batch.isTransactional() && (batch.producerId() < 0 || batch.baseSequence() < 0)) {
            return Result.error(Errors.INVALID_RECORD, "A transactional batch needs a producer id and a sequence ("
                    + topicPartition + ")");
        }
        ByteBuffer bytes = records.buffer().duplicate();
        bytes.limit(bytes.position() + batch.sizeInBytes());
        Result result = validateRecords(batch, bytes, topicPartition, rules, nowMs);
        return result.isValid() ? Result.ok(bytes) : result;
    }

    private static Result validateRecords(MutableRecordBatch batch, ByteBuffer bytes, String topicPartition, Rules rules, long nowMs) {
        List<RecordError> recordErrors = new ArrayList<>();
        int expected = 0;
        boolean checkTimestamps = !rules.logAppendTime() && batch.timestampType() == TimestampType.CREATE_TIME;
        try {
            RecordCursor record = RecordCursor.of(batch, bytes);
            while (record.next()) {
                if (record.offsetDelta() != expected) {
                    return Result.error(Errors.INVALID_RECORD, "Inner record offsets of " + topicPartition
                            + " are not consecutive from 0 (record " + expected + " has offset delta " + record.offsetDelta() + ")");
                }
                if (rules.compacted() && !record.hasKey()) {
                    recordErrors.add(recordError(expected, "Compacted topic cannot accept message without key in topic partition "
                            + topicPartition + "."));
                }
                if (checkTimestamps) {
                    long ts = record.timestamp();
                    if (ts < nowMs - rules.timestampBeforeMaxMs() || ts > nowMs + rules.timestampAfterMaxMs()) {
                        recordErrors.add(recordError(expected, "Timestamp " + ts + " of message with offset " + expected
                                + " is out of range. The timestamp should be within [" + (nowMs - rules.timestampBeforeMaxMs())
                                + ", " + (nowMs + rules.timestampAfterMaxMs()) + "]"));
                    }
                }
                expected++;
            }
        } catch (RuntimeException e) {
            return Result.error(Errors.CORRUPT_MESSAGE, "Records of " + topicPartition + " cannot be read: " + e.getMessage());
        }
        if (expected != batch.countOrNull() || batch.lastOffset() - batch.baseOffset() != expected - 1) {
            return Result.error(Errors.INVALID_RECORD, "Record count " + batch.countOrNull() + " and last offset delta "
                    + (batch.lastOffset() - batch.baseOffset()) + " of " + topicPartition + " do not match the " + expected + " records in it");
        }
        if (!recordErrors.isEmpty()) {
            Errors error = rules.compacted() && recordErrors.get(0).message().startsWith("Compacted")
                    ? Errors.INVALID_RECORD : Errors.INVALID_TIMESTAMP;
            return new Result(error, recordErrors.get(0).message(), recordErrors, null);
        }
        return Result.ok(null);
    }

    private static RecordError recordError(int index, String message) {
        return new RecordError(index, message);
    }
}
