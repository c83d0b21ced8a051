package io.tributary.replication.partition;

import io.tributary.storage.BatchHeader;
import java.nio.ByteBuffer;
import java.util.Iterator;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.Record;

/**
 * Steps through the records of one batch, exposing only what produce validation checks: offset delta,
 * timestamp and whether there is a key. Uncompressed batches are read in place, skipping keys, values
 * and headers without materialising them, since decoding every record into objects was the largest
 * per-record cost of a produce; compressed batches go through Kafka's own iterator, which has to
 * decompress anyway. Both reject what Kafka's reader rejects, with a RuntimeException.
 *
 * <p>A record of format v2, all lengths as zig-zag varints: {@code length, attributes int8,
 * timestampDelta varlong, offsetDelta, keyLength, key, valueLength, value, headerCount, headers}, each
 * header {@code keyLength (>= 0), key, valueLength, value}; a length of -1 means null.
 */
abstract class RecordCursor {
    /** A cursor over {@code batch}, whose bytes are {@code batchBytes} from its position to its limit. */
    static RecordCursor of(MutableRecordBatch batch, ByteBuffer batchBytes) {
        return batch.compressionType() == CompressionType.NONE ? new InPlace(batchBytes) : new Decoded(batch.iterator());
    }

    /** Moves to the next record; false when there is none. */
    abstract boolean next();

    abstract int offsetDelta();

    abstract long timestamp();

    abstract boolean hasKey();

    /** Reads an uncompressed batch's records straight from its bytes. */
    private static final class InPlace extends RecordCursor {
        private final ByteBuffer buf;
        private final int end;
        private final long baseTimestamp;
        private int remaining;
        private int offsetDelta;
        private long timestamp;
        private boolean hasKey;

        InPlace(ByteBuffer batchBytes) {
            buf = batchBytes.duplicate();
            int start = buf.position();
            end = buf.limit();
            buf.position(start + BatchHeader.SIZE);
            baseTimestamp = BatchHeader.baseTimestamp(buf, start);
            remaining = BatchHeader.recordCount(buf, start);
        }

        @Override
        boolean next() {
            if (remaining == 0) {
                if (buf.position() != end) {
                    throw new InvalidRecordException("Incorrect declared batch size, records still remaining in the batch");
                }
                return false;
            }
            remaining--;
            int length = varint();
            if (length < 0 || length > buf.remaining()) {
                throw new InvalidRecordException("Invalid record size " + length + " with " + buf.remaining() + " bytes left");
            }
            int recordEnd = buf.position() + length;
            buf.limit(recordEnd);
            buf.get();
            timestamp = baseTimestamp + varlong();
            offsetDelta = varint();
            hasKey = skipBytes() >= 0;
            skipBytes();
            int headers = varint();
            if (headers < 0) {
                throw new InvalidRecordException("Found invalid number of record headers " + headers);
            }
            for (int i = 0; i < headers; i++) {
                if (skipBytes() < 0) {
                    throw new InvalidRecordException("Invalid negative header key size");
                }
                skipBytes();
            }
            if (buf.position() != recordEnd) {
                throw new InvalidRecordException("Invalid record size: expected to read " + length + " bytes in record payload");
            }
            buf.limit(end);
            return true;
        }

        /** A zig-zag encoded variable-length int of at most 5 bytes. */
        private int varint() {
            long v = varlong();
            if (v != (int) v) {
                throw new InvalidRecordException("A varint in a record is out of the int range");
            }
            return (int) v;
        }

        /** A zig-zag encoded variable-length long of at most 10 bytes. */
        private long varlong() {
            long raw = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = buf.get();
                raw |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    return (raw >>> 1) ^ -(raw & 1);
                }
            }
            throw new InvalidRecordException("A varlong in a record is longer than 10 bytes");
        }

        /** Skips one length-prefixed field and returns its length (negative for null). */
        private int skipBytes() {
            int length = varint();
            if (length > 0) {
                if (length > buf.remaining()) {
                    throw new InvalidRecordException("A field of " + length + " bytes runs past the end of its record");
                }
                buf.position(buf.position() + length);
            }
            return length;
        }

        @Override
        int offsetDelta() {
            return offsetDelta;
        }

        @Override
        long timestamp() {
            return timestamp;
        }

        @Override
        boolean hasKey() {
            return hasKey;
        }
    }

    /** Goes through Kafka's record iterator (compressed batches). */
    private static final class Decoded extends RecordCursor {
        private final Iterator<Record> records;
        private Record current;

        Decoded(Iterator<Record> records) {
            this.records = records;
        }

        @Override
        boolean next() {
            current = records.hasNext() ? records.next() : null;
            return current != null;
        }

        @Override
        int offsetDelta() {
            return (int) current.offset();
        }

        @Override
        long timestamp() {
            return current.timestamp();
        }

        @Override
        boolean hasKey() {
            return current.hasKey();
        }
    }
}
