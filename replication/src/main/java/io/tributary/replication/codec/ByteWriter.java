package io.tributary.replication.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * Writes the big-endian binary encoding of every format Tributary persists or sends between brokers
 * (Raft entries and their replies, snapshots, coordinator records) into a growing buffer. Each format
 * starts with its version ({@link #putVersion}), so that a newer broker can add fields and still read
 * what an older one wrote.
 */
public final class ByteWriter {
    private ByteBuffer buf;

    public ByteWriter(int initialCapacity) {
        buf = ByteBuffer.allocate(Math.max(16, initialCapacity));
    }

    private ByteBuffer room(int bytes) {
        if (buf.remaining() < bytes) {
            ByteBuffer grown = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + bytes));
            grown.put(buf.flip());
            buf = grown;
        }
        return buf;
    }

    public ByteWriter putByte(int v) {
        room(1).put((byte) v);
        return this;
    }

    public ByteWriter putBoolean(boolean v) {
        return putByte(v ? 1 : 0);
    }

    public ByteWriter putShort(int v) {
        room(2).putShort((short) v);
        return this;
    }

    public ByteWriter putInt(int v) {
        room(4).putInt(v);
        return this;
    }

    public ByteWriter putLong(long v) {
        room(8).putLong(v);
        return this;
    }

    /** A format's version, int16: the first field of every format (see {@link ByteReader#version}). */
    public ByteWriter putVersion(int version) {
        return putShort(version);
    }

    public ByteWriter putUuid(Uuid id) {
        return putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits());
    }

    /** A string as int32 length and UTF-8 bytes; null as length -1. */
    public ByteWriter putString(String s) {
        if (s == null) {
            return putInt(-1);
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        putInt(bytes.length);
        room(bytes.length).put(bytes);
        return this;
    }

    public ByteWriter putBytes(ByteBuffer bytes) {
        putInt(bytes.remaining());
        room(bytes.remaining()).put(bytes.duplicate());
        return this;
    }

    /** Bytes as int32 length and the bytes; null as length -1. */
    public ByteWriter putByteArray(byte[] bytes) {
        if (bytes == null) {
            return putInt(-1);
        }
        putInt(bytes.length);
        room(bytes.length).put(bytes);
        return this;
    }

    public ByteWriter putStringMap(Map<String, String> map) {
        putInt(map.size());
        map.forEach((k, v) -> putString(k).putString(v));
        return this;
    }

    /** The bytes written so far, as a buffer ready to read. */
    public ByteBuffer toBuffer() {
        return buf.duplicate().flip();
    }

    public byte[] toArray() {
        ByteBuffer b = toBuffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
