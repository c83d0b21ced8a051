package io.tributary.replication.partition;

import io.tributary.storage.FileSlice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.RecordsSend;

/**
 * Record bytes read from a segment file, put into a response where kafka-clients expects records. The
 * network layer sends them as a file region (sendfile, zero copy); nothing reads them on the way. The
 * channel belongs to the segment: never close it.
 */
public final class SegmentRecords implements BaseRecords {
    private final FileSlice slice;

    SegmentRecords(FileSlice slice) {
        this.slice = slice;
    }

    public FileChannel channel() {
        return slice.channel();
    }

    public long position() {
        return slice.position();
    }

    public boolean isEmpty() {
        return slice.isEmpty();
    }

    /** The bytes, copied into a heap buffer, for a reader on this broker (a coordinator loading its state). */
    public ByteBuffer copy() {
        try {
            return slice.read();
        } catch (IOException e) {
            throw new KafkaStorageException("could not read a segment: " + e.getMessage(), e);
        }
    }

    @Override
    public int sizeInBytes() {
        return slice.size();
    }

    @Override
    public RecordsSend<? extends BaseRecords> toSend() {
        throw new UnsupportedOperationException("segment records are sent as a file region by the network layer");
    }
}
