package io.tributary.replication.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;
import org.junit.jupiter.api.Test;

class RecordCursorTest {
    private static final long NOW = 1_800_000_000_000L;

    private static MemoryRecords randomBatch(Random random, Compression compression) {
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(64 * 1024), compression, TimestampType.CREATE_TIME, 0);
        int count = 1 + random.nextInt(50);
        for (int i = 0; i < count; i++) {
            byte[] key = random.nextInt(3) == 0 ? null : bytes(random, random.nextInt(20));
            byte[] value = random.nextInt(5) == 0 ? null : bytes(random, random.nextInt(300));
            Header[] headers = new Header[random.nextInt(3)];
            for (int h = 0; h < headers.length; h++) {
                headers[h] = new RecordHeader("h" + h, random.nextBoolean() ? null : bytes(random, random.nextInt(10)));
            }
            b.append(NOW + random.nextInt(100_000) - 50_000, key, value, headers);
        }
        return b.build();
    }

    private static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private record Seen(int offsetDelta, long timestamp, boolean hasKey) {
    }

    private static List<Seen> viaCursor(MemoryRecords records) {
        MutableRecordBatch batch = records.batches().iterator().next();
        RecordCursor cursor = RecordCursor.of(batch, records.buffer());
        List<Seen> seen = new ArrayList<>();
        while (cursor.next()) {
            seen.add(new Seen(cursor.offsetDelta(), cursor.timestamp(), cursor.hasKey()));
        }
        return seen;
    }

    private static List<Seen> viaKafka(MemoryRecords records) {
        List<Seen> seen = new ArrayList<>();
        for (Record r : records.batches().iterator().next()) {
            seen.add(new Seen((int) r.offset(), r.timestamp(), r.hasKey()));
        }
        return seen;
    }

    @Test
    void readsWhatKafkasIteratorReads() {
        Random random = new Random(42);
        for (int i = 0; i < 200; i++) {
            MemoryRecords records = randomBatch(random, i % 4 == 0 ? Compression.lz4().build() : Compression.NONE);
            assertThat(viaCursor(records)).isEqualTo(viaKafka(records));
        }
    }

    /** One uncompressed record with key "k", value "v" and one header, as a batch whose bytes the test may change. */
    private static MemoryRecords oneRecord() {
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(256), Compression.NONE, TimestampType.CREATE_TIME, 0);
        b.append(NOW, "k".getBytes(), "v".getBytes(), new Header[] {new RecordHeader("h", "x".getBytes())});
        return b.build();
    }

    /** Position of the record's first byte (its length varint) in the batch. */
    private static final int RECORD = 61;

    @Test
    void rejectsARecordLongerThanTheBatch() {
        MemoryRecords records = oneRecord();
        records.buffer().put(RECORD, (byte) 100); // zig-zag 50, more than is left
        assertThatThrownBy(() -> viaCursor(records)).isInstanceOf(RuntimeException.class);
    }

    @Test
    void rejectsAFieldRunningPastItsRecord() {
        MemoryRecords records = oneRecord();
        // length, attributes, timestamp delta 0, offset delta 0, then the key length: claim 20 bytes.
        records.buffer().put(RECORD + 4, (byte) 40);
        assertThatThrownBy(() -> viaCursor(records)).isInstanceOf(RuntimeException.class);
    }

    @Test
    void rejectsANegativeHeaderCount() {
        MemoryRecords records = oneRecord();
        // key length 1, "k", value length 1, "v", then the header count.
        records.buffer().put(RECORD + 8, (byte) 3); // zig-zag -2
        assertThatThrownBy(() -> viaCursor(records)).hasMessageContaining("headers");
    }

    @Test
    void rejectsBytesAfterTheDeclaredRecords() {
        MemoryRecords records = oneRecord();
        ByteBuffer longer = ByteBuffer.allocate(records.sizeInBytes() + 3);
        longer.put(records.buffer().duplicate()).put(new byte[] {2, 0, 0}).flip();
        longer.putInt(8, longer.getInt(8) + 3);
        assertThatThrownBy(() -> viaCursor(MemoryRecords.readableRecords(longer))).hasMessageContaining("remaining");
    }

    @Test
    void rejectsABatchWithFewerRecordsThanItDeclares() {
        MemoryRecords records = oneRecord();
        records.buffer().putInt(57, 2);
        assertThatThrownBy(() -> viaCursor(records)).isInstanceOf(RuntimeException.class);
    }
}
