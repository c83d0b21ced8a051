package io.tributary.wire.server;

import io.tributary.storage.FileSlice;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.RecordsSend;

/**
 * Record bytes in a segment file, put into a response message where kafka-clients expects records.
 * {@link NettyWritable} sends them as a file region; nothing else ever reads them.
 */
public final class SliceRecords implements BaseRecords {
    private final FileSlice slice;

    public SliceRecords(FileSlice slice) {
        this.slice = slice;
    }

    public FileSlice slice() {
        return slice;
    }

    @Override
    public int sizeInBytes() {
        return slice.size();
    }

    @Override
    public RecordsSend<? extends BaseRecords> toSend() {
        throw new UnsupportedOperationException("segment slices are sent by NettyWritable");
    }
}
