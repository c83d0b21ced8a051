package io.tributary.replication.partition;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.junit.jupiter.api.Test;

class BatchValidatorTest {
    private static final long NOW = 1_800_000_000_000L;
    private static final BatchValidator.Rules RULES = new BatchValidator.Rules(1_048_588, false, Long.MAX_VALUE, 3_600_000, false);

    private static MemoryRecords batch(long baseOffset, long... timestamps) {
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(4096), Compression.gzip().build(),
                TimestampType.CREATE_TIME, baseOffset);
        for (long ts : timestamps) {
            b.append(ts, "k".getBytes(), "v".getBytes());
        }
        return b.build();
    }

    @Test
    void acceptsAWellFormedCompressedBatchAndReturnsItsBytes() {
        MemoryRecords records = batch(0, NOW, NOW + 1);
        BatchValidator.Result r = BatchValidator.validate(records, "t-0", RULES, NOW);
        assertThat(r.error()).isEqualTo(Errors.NONE);
        assertThat(r.batch().remaining()).isEqualTo(records.sizeInBytes());
    }

    @Test
    void rejectsWhatKafkaRejects() {
        assertThat(BatchValidator.validate(batch(5, NOW), "t-0", RULES, NOW).error()).isEqualTo(Errors.INVALID_RECORD);

        MemoryRecords corrupt = batch(0, NOW);
        corrupt.buffer().put(corrupt.buffer().limit() - 1, (byte) 42);
        assertThat(BatchValidator.validate(corrupt, "t-0", RULES, NOW).error()).isEqualTo(Errors.CORRUPT_MESSAGE);

        BatchValidator.Rules small = new BatchValidator.Rules(10, false, Long.MAX_VALUE, 3_600_000, false);
        assertThat(BatchValidator.validate(batch(0, NOW), "t-0", small, NOW).error()).isEqualTo(Errors.MESSAGE_TOO_LARGE);

        ByteBuffer two = ByteBuffer.allocate(1024);
        two.put(batch(0, NOW).buffer()).put(batch(0, NOW).buffer()).flip();
        assertThat(BatchValidator.validate(MemoryRecords.readableRecords(two), "t-0", RULES, NOW).error())
                .isEqualTo(Errors.INVALID_RECORD);
    }

    @Test
    void reportsEveryRecordWithATimestampOutOfBounds() {
        BatchValidator.Result r = BatchValidator.validate(batch(0, NOW, NOW + 7_200_000, NOW, NOW + 9_000_000), "t-0", RULES, NOW);
        assertThat(r.error()).isEqualTo(Errors.INVALID_TIMESTAMP);
        assertThat(r.recordErrors()).extracting(e -> e.batchIndex()).containsExactly(1, 3);

        BatchValidator.Rules appendTime = new BatchValidator.Rules(1_048_588, true, Long.MAX_VALUE, 0, false);
        assertThat(BatchValidator.validate(batch(0, NOW + 7_200_000), "t-0", appendTime, NOW).error()).isEqualTo(Errors.NONE);
    }

    @Test
    void compactedTopicsNeedKeys() {
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(256), Compression.NONE, TimestampType.CREATE_TIME, 0);
        b.append(NOW, null, "v".getBytes());
        BatchValidator.Rules compacted = new BatchValidator.Rules(1_048_588, false, Long.MAX_VALUE, 3_600_000, true);
        assertThat(BatchValidator.validate(b.build(), "t-0", compacted, NOW).error()).isEqualTo(Errors.INVALID_RECORD);
    }
}
