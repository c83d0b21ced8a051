package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;

/** Builds record batches with kafka-clients and reads them back, for tests. */
final class TestBatches {
    private TestBatches() {
    }

    /** One uncompressed batch at {@code baseOffset}; record i has value values[i] and timestamp ts + i. */
    static ByteBuffer batch(long baseOffset, long timestamp, String... values) {
        return batch(Compression.NONE, baseOffset, timestamp, values);
    }

    static ByteBuffer batch(Compression compression, long baseOffset, long timestamp, String... values) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(ByteBuffer.allocate(1024 + 64 * values.length), compression,
                TimestampType.CREATE_TIME, baseOffset);
        for (int i = 0; i < values.length; i++) {
            builder.append(timestamp + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    values[i].getBytes(StandardCharsets.UTF_8));
        }
        return builder.build().buffer();
    }

    /** A batch of {@code count} records of {@code valueSize} bytes each. */
    static ByteBuffer batchOfSize(long baseOffset, long timestamp, int count, int valueSize) {
        String[] values = new String[count];
        for (int i = 0; i < count; i++) {
            values[i] = String.valueOf((char) ('a' + (i % 26))).repeat(valueSize);
        }
        return batch(baseOffset, timestamp, values);
    }

    /** Concatenates batches into one buffer, as a produce request carries them. */
    static ByteBuffer concat(ByteBuffer... batches) {
        int size = 0;
        for (ByteBuffer b : batches) {
            size += b.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(size);
        for (ByteBuffer b : batches) {
            all.put(b.duplicate());
        }
        return all.flip();
    }

    /** A record as read back: offset, timestamp and value. */
    record Rec(long offset, long timestamp, String value) {
    }

    /** The records of all whole batches in {@code buf} (a partial trailing batch is ignored, as clients do). */
    static List<Rec> records(ByteBuffer buf) {
        List<Rec> out = new ArrayList<>();
        for (MutableRecordBatch batch : MemoryRecords.readableRecords(buf.duplicate()).batches()) {
            for (Record r : batch) {
                out.add(new Rec(r.offset(), r.timestamp(), StandardCharsets.UTF_8.decode(r.value()).toString()));
            }
        }
        return out;
    }

    static List<Rec> records(FileSlice slice) throws IOException {
        return records(slice.read());
    }

    /** Reads every record from {@code from} to the log end, batch by batch, as a consumer would. */
    static List<Rec> readAll(PartitionLog log, long from) throws Exception {
        List<Rec> out = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            List<Rec> chunk = records(log.read(next, 64 * 1024, Long.MAX_VALUE, true));
            if (chunk.isEmpty()) {
                throw new AssertionError("read at " + next + " returned nothing below log end " + log.logEndOffset());
            }
            for (Rec r : chunk) {
                if (r.offset() >= next) {
                    out.add(r);
                }
            }
            next = chunk.get(chunk.size() - 1).offset() + 1;
        }
        return out;
    }
}
