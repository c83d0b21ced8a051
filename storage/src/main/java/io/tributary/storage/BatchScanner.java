package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Walks the batches of a segment file by reading only their headers. It stops at the end of the range
 * or at a header that is cut short or declares an impossible length; validating contents is recovery's
 * job, not the scanner's.
 */
final class BatchScanner {
    private final FileChannel channel;
    private final long end;
    private final ByteBuffer header = ByteBuffer.allocate(BatchHeader.SIZE);
    private long position;
    private long nextPosition;

    BatchScanner(FileChannel channel, long start, long end) {
        this.channel = channel;
        this.end = end;
        this.nextPosition = start;
    }

    /** Moves to the next batch; false when there is none (or no whole one) before the end. */
    boolean next() throws IOException {
        position = nextPosition;
        if (end - position < BatchHeader.SIZE) {
            return false;
        }
        header.clear();
        if (Io.readUpTo(channel, header, position) < BatchHeader.SIZE) {
            return false;
        }
        int length = header.getInt(BatchHeader.BATCH_LENGTH);
        if (length < BatchHeader.SIZE - BatchHeader.LOG_OVERHEAD || position + BatchHeader.LOG_OVERHEAD + length > end) {
            return false;
        }
        nextPosition = position + BatchHeader.LOG_OVERHEAD + length;
        return true;
    }

    long position() {
        return position;
    }

    int size() {
        return (int) (nextPosition - position);
    }

    long baseOffset() {
        return BatchHeader.baseOffset(header, 0);
    }

    long lastOffset() {
        return BatchHeader.lastOffset(header, 0);
    }

    long maxTimestamp() {
        return BatchHeader.maxTimestamp(header, 0);
    }

    /** Reads the whole current batch into a new buffer. */
    ByteBuffer readBatch() throws IOException {
        ByteBuffer batch = ByteBuffer.allocate(size());
        Io.readFully(channel, batch, position);
        return batch.flip();
    }
}
