package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A byte range of a segment file holding whole record batches (the last one may be cut short by a byte
 * limit, as in Kafka; clients drop a partial trailing batch). It is sent as is, without copying, with
 * {@link FileChannel#transferTo}. The channel belongs to the segment: never close it.
 */
public record FileSlice(FileChannel channel, long position, int size) {
    public static final FileSlice EMPTY = new FileSlice(null, 0, 0);

    public boolean isEmpty() {
        return size == 0;
    }

    /** Sends the whole slice to {@code target} with zero-copy transfers. */
    public void transferTo(WritableByteChannel target) throws IOException {
        long done = 0;
        while (done < size) {
            long n = channel.transferTo(position + done, size - done, target);
            if (n <= 0) {
                throw new IOException("segment file ended inside a slice at " + (position + done));
            }
            done += n;
        }
    }

    /** Copies the slice into a new heap buffer, for paths that cannot send a file region. */
    public ByteBuffer read() throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(size);
        if (size > 0) {
            Io.readFully(channel, buf, position);
        }
        return buf.flip();
    }
}
