package io.tributary.storage;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Field access for the fixed 61-byte header of a Kafka RecordBatch (magic 2), read in place from a
 * buffer at a given position. The layout, all big-endian:
 *
 * <pre>
 *  0 baseOffset int64        27 baseTimestamp int64
 *  8 batchLength int32       35 maxTimestamp int64
 * 12 partitionLeaderEpoch    43 producerId int64
 * 16 magic int8              51 producerEpoch int16
 * 17 crc uint32 (CRC-32C of  53 baseSequence int32
 *    bytes 21..end)          57 recordCount int32
 * 21 attributes int16        61 records...
 * 23 lastOffsetDelta int32
 * </pre>
 *
 * {@code batchLength} counts the bytes after itself, so a batch occupies {@code 12 + batchLength} bytes.
 */
public final class BatchHeader {
    public static final int SIZE = 61;
    /** Offset and length fields: the bytes needed to know how long a batch is. */
    public static final int LOG_OVERHEAD = 12;
    public static final byte MAGIC = 2;

    static final int BASE_OFFSET = 0;
    static final int BATCH_LENGTH = 8;
    static final int PARTITION_LEADER_EPOCH = 12;
    static final int MAGIC_OFFSET = 16;
    static final int CRC = 17;
    static final int ATTRIBUTES = 21;
    static final int LAST_OFFSET_DELTA = 23;
    static final int BASE_TIMESTAMP = 27;
    static final int MAX_TIMESTAMP = 35;
    static final int PRODUCER_ID = 43;
    static final int PRODUCER_EPOCH = 51;
    static final int BASE_SEQUENCE = 53;
    static final int RECORD_COUNT = 57;
    /** The attributes bit that says the batch's timestamps are the broker's (LogAppendTime). */
    static final short TIMESTAMP_TYPE_LOG_APPEND = 0x08;
    static final short TRANSACTIONAL = 0x10;
    static final short CONTROL = 0x20;

    private BatchHeader() {
    }

    public static long baseOffset(ByteBuffer buf, int pos) {
        return buf.getLong(pos + BASE_OFFSET);
    }

    /** Total size of the batch in bytes, including the offset and length fields. */
    public static int sizeInBytes(ByteBuffer buf, int pos) {
        return LOG_OVERHEAD + buf.getInt(pos + BATCH_LENGTH);
    }

    public static int partitionLeaderEpoch(ByteBuffer buf, int pos) {
        return buf.getInt(pos + PARTITION_LEADER_EPOCH);
    }

    public static byte magic(ByteBuffer buf, int pos) {
        return buf.get(pos + MAGIC_OFFSET);
    }

    public static long storedCrc(ByteBuffer buf, int pos) {
        return Integer.toUnsignedLong(buf.getInt(pos + CRC));
    }

    public static short attributes(ByteBuffer buf, int pos) {
        return buf.getShort(pos + ATTRIBUTES);
    }

    /** Whether the batch belongs to a transaction (its records, or the marker ending one). */
    public static boolean isTransactional(ByteBuffer buf, int pos) {
        return (attributes(buf, pos) & TRANSACTIONAL) != 0;
    }

    /** Whether the batch is a control batch (a transaction marker) rather than records. */
    public static boolean isControl(ByteBuffer buf, int pos) {
        return (attributes(buf, pos) & CONTROL) != 0;
    }

    public static int lastOffsetDelta(ByteBuffer buf, int pos) {
        return buf.getInt(pos + LAST_OFFSET_DELTA);
    }

    public static long lastOffset(ByteBuffer buf, int pos) {
        return baseOffset(buf, pos) + lastOffsetDelta(buf, pos);
    }

    /** The last offset of the last batch in {@code batches} (position to limit, whole batches back to back). */
    public static long lastOffsetIn(ByteBuffer batches) {
        int pos = batches.position();
        int last = pos;
        while (pos <= batches.limit() - SIZE) {
            last = pos;
            int size = sizeInBytes(batches, pos);
            if (size < SIZE) {
                throw new IllegalArgumentException("batch length " + size + " smaller than a header");
            }
            pos += size;
        }
        return lastOffset(batches, last);
    }

    public static long baseTimestamp(ByteBuffer buf, int pos) {
        return buf.getLong(pos + BASE_TIMESTAMP);
    }

    public static long maxTimestamp(ByteBuffer buf, int pos) {
        return buf.getLong(pos + MAX_TIMESTAMP);
    }

    public static long producerId(ByteBuffer buf, int pos) {
        return buf.getLong(pos + PRODUCER_ID);
    }

    public static short producerEpoch(ByteBuffer buf, int pos) {
        return buf.getShort(pos + PRODUCER_EPOCH);
    }

    public static int baseSequence(ByteBuffer buf, int pos) {
        return buf.getInt(pos + BASE_SEQUENCE);
    }

    public static int recordCount(ByteBuffer buf, int pos) {
        return buf.getInt(pos + RECORD_COUNT);
    }

    public static void setBaseOffset(ByteBuffer buf, int pos, long baseOffset) {
        buf.putLong(pos + BASE_OFFSET, baseOffset);
    }

    /** Sets the leader epoch; it lies outside the CRC, so the CRC stays valid. */
    public static void setPartitionLeaderEpoch(ByteBuffer buf, int pos, int epoch) {
        buf.putInt(pos + PARTITION_LEADER_EPOCH, epoch);
    }

    /**
     * Stamps the broker's clock on the batch, as Kafka does for a LogAppendTime topic: the timestamp type
     * bit and the max timestamp change, and so does the CRC that covers them.
     */
    public static void setLogAppendTime(ByteBuffer buf, int pos, long timestampMs) {
        buf.putLong(pos + MAX_TIMESTAMP, timestampMs);
        buf.putShort(pos + ATTRIBUTES, (short) (attributes(buf, pos) | TIMESTAMP_TYPE_LOG_APPEND));
        updateCrc(buf, pos);
    }

    /** CRC-32C over attributes to the end of the batch, as the batch's crc field covers. */
    public static long computeCrc(ByteBuffer buf, int pos) {
        CRC32C crc = new CRC32C();
        ByteBuffer view = buf.duplicate();
        view.limit(pos + sizeInBytes(buf, pos)).position(pos + ATTRIBUTES);
        crc.update(view);
        return crc.getValue();
    }

    /** Rewrites the stored CRC after a change to a covered field (timestamps, for example). */
    public static void updateCrc(ByteBuffer buf, int pos) {
        buf.putInt(pos + CRC, (int) computeCrc(buf, pos));
    }

    /**
     * Checks that a whole, well-formed batch starts at {@code pos}: enough bytes for its header and
     * body, magic 2, a sane offset delta and a matching CRC. Returns null when it is, or what is wrong.
     */
    public static String validate(ByteBuffer buf, int pos, int limit) {
        int available = limit - pos;
        if (available < SIZE) {
            return "truncated header (" + available + " bytes)";
        }
        int batchLength = buf.getInt(pos + BATCH_LENGTH);
        if (batchLength < SIZE - LOG_OVERHEAD) {
            return "batch length " + batchLength + " smaller than a header";
        }
        if (batchLength > available - LOG_OVERHEAD) {
            return "truncated batch (" + (LOG_OVERHEAD + (long) batchLength) + " bytes declared, " + available + " present)";
        }
        if (magic(buf, pos) != MAGIC) {
            return "unsupported magic " + magic(buf, pos);
        }
        if (lastOffsetDelta(buf, pos) < 0) {
            return "negative last offset delta";
        }
        if (computeCrc(buf, pos) != storedCrc(buf, pos)) {
            return "CRC mismatch";
        }
        return null;
    }
}
