package io.tributary.replication.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/** Reads what {@link ByteWriter} wrote. Lengths are checked against the bytes left before any allocation. */
public final class ByteReader {
    private final ByteBuffer buf;

    public ByteReader(ByteBuffer buf) {
        this.buf = buf.duplicate();
    }

    public byte getByte() {
        return buf.get();
    }

    public boolean getBoolean() {
        return buf.get() != 0;
    }

    public short getShort() {
        return buf.getShort();
    }

    public int getInt() {
        return buf.getInt();
    }

    public long getLong() {
        return buf.getLong();
    }

    public Uuid getUuid() {
        return new Uuid(buf.getLong(), buf.getLong());
    }

    public String getString() {
        int length = buf.getInt();
        if (length < 0) {
            return null;
        }
        checkLength(length);
        byte[] bytes = new byte[length];
        buf.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A slice of the underlying buffer, without copying. */
    public ByteBuffer getBytes() {
        int length = buf.getInt();
        checkLength(length);
        ByteBuffer slice = buf.slice();
        slice.limit(length);
        buf.position(buf.position() + length);
        return slice;
    }

    public Map<String, String> getStringMap() {
        int size = count();
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            map.put(getString(), getString());
        }
        return map;
    }

    /** A count of items that follow, each at least one byte long. */
    public int count() {
        int n = buf.getInt();
        checkLength(n);
        return n;
    }

    public boolean hasRemaining() {
        return buf.hasRemaining();
    }

    private void checkLength(int length) {
        if (length < 0 || length > buf.remaining()) {
            throw new IllegalArgumentException("length " + length + " exceeds the " + buf.remaining() + " bytes left");
        }
    }
}
