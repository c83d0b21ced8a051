package io.tributary.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;

class BatchHeaderTest {

    @Test
    void readsTheSameFieldsAsKafkaClients() {
        ByteBuffer buf = TestBatches.batch(Compression.gzip().build(), 42, 1_000, "a", "b", "c");
        RecordBatch kafka = MemoryRecords.readableRecords(buf.duplicate()).batches().iterator().next();

        assertThat(BatchHeader.baseOffset(buf, 0)).isEqualTo(kafka.baseOffset()).isEqualTo(42);
        assertThat(BatchHeader.lastOffset(buf, 0)).isEqualTo(kafka.lastOffset()).isEqualTo(44);
        assertThat(BatchHeader.sizeInBytes(buf, 0)).isEqualTo(kafka.sizeInBytes()).isEqualTo(buf.remaining());
        assertThat(BatchHeader.maxTimestamp(buf, 0)).isEqualTo(kafka.maxTimestamp()).isEqualTo(1_002);
        assertThat(BatchHeader.baseTimestamp(buf, 0)).isEqualTo(1_000);
        assertThat(BatchHeader.recordCount(buf, 0)).isEqualTo(3);
        assertThat(BatchHeader.magic(buf, 0)).isEqualTo(BatchHeader.MAGIC);
        assertThat(BatchHeader.storedCrc(buf, 0)).isEqualTo(kafka.checksum());
        assertThat(BatchHeader.producerId(buf, 0)).isEqualTo(-1);
        assertThat(BatchHeader.validate(buf, 0, buf.limit())).isNull();
        assertThat(BatchHeader.isTransactional(buf, 0)).isFalse();
        assertThat(BatchHeader.isControl(buf, 0)).isFalse();
    }

    @Test
    void tellsTransactionalBatchesAndMarkersApart() {
        ByteBuffer records = MemoryRecords.withTransactionalRecords(Compression.NONE, 7L, (short) 1, 0,
                new SimpleRecord("v".getBytes())).buffer();
        assertThat(BatchHeader.isTransactional(records, 0)).isTrue();
        assertThat(BatchHeader.isControl(records, 0)).isFalse();

        ByteBuffer marker = MemoryRecords.withEndTransactionMarker(5, 1_000, 3, 7L, (short) 1,
                new EndTransactionMarker(ControlRecordType.ABORT, 2)).buffer();
        assertThat(BatchHeader.isTransactional(marker, 0)).isTrue();
        assertThat(BatchHeader.isControl(marker, 0)).isTrue();
        assertThat(BatchHeader.producerId(marker, 0)).isEqualTo(7);
        assertThat(BatchHeader.lastOffset(marker, 0)).isEqualTo(5);
    }

    @Test
    void validateFindsEachKindOfDamage() {
        ByteBuffer good = TestBatches.batch(0, 1, "value");

        ByteBuffer flipped = copy(good);
        flipped.put(flipped.limit() - 1, (byte) (flipped.get(flipped.limit() - 1) ^ 1));
        assertThat(BatchHeader.validate(flipped, 0, flipped.limit())).contains("CRC");

        assertThat(BatchHeader.validate(good, 0, good.limit() - 1)).contains("truncated batch");
        assertThat(BatchHeader.validate(good, 0, 20)).contains("truncated header");

        ByteBuffer magic = copy(good);
        magic.put(16, (byte) 1);
        assertThat(BatchHeader.validate(magic, 0, magic.limit())).contains("magic");

        ByteBuffer length = copy(good);
        length.putInt(8, 3);
        assertThat(BatchHeader.validate(length, 0, length.limit())).contains("smaller than a header");
    }

    @Test
    void leaderEpochIsOutsideTheCrcButTimestampsAreInside() {
        ByteBuffer buf = copy(TestBatches.batch(0, 1, "value"));
        BatchHeader.setPartitionLeaderEpoch(buf, 0, 7);
        BatchHeader.setBaseOffset(buf, 0, 100);
        assertThat(BatchHeader.validate(buf, 0, buf.limit())).isNull();
        assertThat(BatchHeader.partitionLeaderEpoch(buf, 0)).isEqualTo(7);

        buf.putLong(35, 999);
        assertThat(BatchHeader.validate(buf, 0, buf.limit())).contains("CRC");
        BatchHeader.updateCrc(buf, 0);
        assertThat(BatchHeader.validate(buf, 0, buf.limit())).isNull();
    }

    @Test
    void logAppendTimeIsStampedAsKafkaClientsReadsIt() {
        ByteBuffer buf = copy(TestBatches.batch(0, 1_000, "a", "b"));
        BatchHeader.setLogAppendTime(buf, 0, 5_000);

        RecordBatch kafka = MemoryRecords.readableRecords(buf.duplicate()).batches().iterator().next();
        kafka.ensureValid();
        assertThat(kafka.timestampType()).isEqualTo(TimestampType.LOG_APPEND_TIME);
        assertThat(kafka.maxTimestamp()).isEqualTo(5_000);
        assertThat(kafka.iterator().next().timestamp()).isEqualTo(5_000);
    }

    private static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.remaining());
        c.put(b.duplicate());
        return c.flip();
    }
}
