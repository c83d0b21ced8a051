package io.tributary.replication.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * Reads what {@link ByteWriter} wrote. Every read is checked against the bytes left, and every length
 * before anything is allocated: damaged bytes fail with {@link MalformedEncodingException} rather than
 * becoming state.
 */
public final class ByteReader {
    private final ByteBuffer buf;

    public ByteReader(ByteBuffer buf) {
        if (buf == null) {
            throw new MalformedEncodingException("no bytes to read");
        }
        this.buf = buf.duplicate();
    }

    /**
     * Reads a format's version and checks that this broker knows it.
     *
     * @param newest the newest version of the format this code writes and reads
     * @param format what is being read, for the error message
     */
    public int version(int newest, String format) {
        int version = getShort();
        if (version < 1 || version > newest) {
            throw new MalformedEncodingException(format + " version " + version + " is unknown: this broker reads versions 1 to "
                    + newest + "; a newer broker wrote it, or the bytes are damaged");
        }
        return version;
    }

    public byte getByte() {
        need(1);
        return buf.get();
    }

    public boolean getBoolean() {
        return getByte() != 0;
    }

    public short getShort() {
        need(2);
        return buf.getShort();
    }

    public int getInt() {
        need(4);
        return buf.getInt();
    }

    public long getLong() {
        need(8);
        return buf.getLong();
    }

    public Uuid getUuid() {
        return new Uuid(getLong(), getLong());
    }

    public String getString() {
        byte[] utf8 = getByteArray();
        return utf8 == null ? null : new String(utf8, StandardCharsets.UTF_8);
    }

    /** A slice of the underlying buffer, without copying. */
    public ByteBuffer getBytes() {
        int length = getInt();
        checkLength(length);
        ByteBuffer slice = buf.slice();
        slice.limit(length);
        buf.position(buf.position() + length);
        return slice;
    }

    /** What {@link ByteWriter#putByteArray} wrote: a copy, or null. */
    public byte[] getByteArray() {
        int length = getInt();
        if (length == -1) {
            return null;
        }
        checkLength(length);
        byte[] bytes = new byte[length];
        buf.get(bytes);
        return bytes;
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
        int n = getInt();
        checkLength(n);
        return n;
    }

    public int remaining() {
        return buf.remaining();
    }

    public boolean hasRemaining() {
        return buf.hasRemaining();
    }

    /** Checks that everything was read: trailing bytes mean the format is not the one expected. */
    public void expectEnd() {
        if (buf.hasRemaining()) {
            throw new MalformedEncodingException(buf.remaining() + " unexpected trailing bytes");
        }
    }

    private void need(int n) {
        if (buf.remaining() < n) {
            throw new MalformedEncodingException("the bytes end early: " + n + " needed, " + buf.remaining() + " left");
        }
    }

    private void checkLength(int length) {
        if (length < 0 || length > buf.remaining()) {
            throw new MalformedEncodingException("length " + length + " exceeds the " + buf.remaining() + " bytes left");
        }
    }
}
