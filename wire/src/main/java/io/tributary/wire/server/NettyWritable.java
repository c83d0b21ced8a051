package io.tributary.wire.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.tributary.replication.partition.SegmentRecords;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.protocol.Writable;
import org.apache.kafka.common.record.internal.BaseRecords;
import org.apache.kafka.common.record.internal.MemoryRecords;

/**
 * Where kafka-clients' generated message classes write a response: into pooled Netty buffers, except
 * that record bytes that live in a segment file become a {@link SliceRegion}, sent with sendfile. The
 * result is the ordered list of parts to write to the channel.
 */
final class NettyWritable implements Writable {
    private static final int CHUNK = 4096;

    private final ByteBufAllocator alloc;
    private final List<Object> parts = new ArrayList<>();
    private ByteBuf current;

    NettyWritable(ByteBufAllocator alloc, int expectedBytes) {
        this.alloc = alloc;
        this.current = alloc.buffer(Math.max(16, expectedBytes));
    }

    /** The parts written, in order: ByteBufs and file regions. */
    List<Object> finish() {
        if (current.isReadable()) {
            parts.add(current);
        } else {
            current.release();
        }
        current = null;
        return parts;
    }

    /** Releases what was written, for when the response cannot be sent. */
    void discard() {
        for (Object part : parts) {
            io.netty.util.ReferenceCountUtil.release(part);
        }
        if (current != null) {
            current.release();
        }
    }

    @Override
    public void writeByte(byte val) {
        current.writeByte(val);
    }

    @Override
    public void writeShort(short val) {
        current.writeShort(val);
    }

    @Override
    public void writeInt(int val) {
        current.writeInt(val);
    }

    @Override
    public void writeLong(long val) {
        current.writeLong(val);
    }

    @Override
    public void writeDouble(double val) {
        current.writeDouble(val);
    }

    @Override
    public void writeByteArray(byte[] arr) {
        current.writeBytes(arr);
    }

    @Override
    public void writeUnsignedVarint(int i) {
        int v = i;
        while ((v & 0xFFFFFF80) != 0) {
            current.writeByte((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        current.writeByte(v);
    }

    @Override
    public void writeByteBuffer(ByteBuffer buf) {
        current.writeBytes(buf.duplicate());
    }

    @Override
    public void writeVarint(int i) {
        writeUnsignedVarint((i << 1) ^ (i >> 31));
    }

    @Override
    public void writeVarlong(long v) {
        long value = (v << 1) ^ (v >> 63);
        while ((value & 0xFFFFFFFFFFFFFF80L) != 0L) {
            current.writeByte(((int) value & 0x7F) | 0x80);
            value >>>= 7;
        }
        current.writeByte((int) value);
    }

    @Override
    public void writeRecords(BaseRecords records) {
        if (records instanceof SegmentRecords slice) {
            if (slice.sizeInBytes() == 0) {
                return;
            }
            parts.add(current);
            parts.add(new SliceRegion(slice.channel(), slice.position(), slice.sizeInBytes()));
            current = alloc.buffer(CHUNK);
        } else if (records instanceof MemoryRecords memory) {
            writeByteBuffer(memory.buffer());
        } else if (records != null) {
            throw new IllegalArgumentException("cannot write records of type " + records.getClass().getName());
        }
    }
}
