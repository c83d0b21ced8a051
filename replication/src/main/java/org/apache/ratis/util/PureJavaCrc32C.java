package org.apache.ratis.util;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/**
 * Replaces Ratis 3.3's class of this name, which computes CRC-32C in plain Java: Ratis's segmented log
 * writes and checks every Raft entry with it, and it took over a quarter of the log writer thread's CPU
 * (the thread that also fsyncs, on the path of every acknowledged write). This one computes the same
 * CRC-32C with the JDK's {@link CRC32C}, which the JIT turns into the processor's CRC instructions, so
 * log files stay readable both ways.
 *
 * <p>It shadows Ratis's class: the broker jar leaves Ratis's copy out (wire/pom.xml) and this module's
 * classes come first on its own test classpath. {@code PureJavaCrc32CTest} checks that the broker jar
 * holds this one. As in Ratis's, {@link #update(ByteBuffer)} leaves the buffer's position where it was.
 */
public class PureJavaCrc32C implements Checksum {
    private final CRC32C crc = new CRC32C();

    @Override
    public long getValue() {
        return crc.getValue();
    }

    @Override
    public void reset() {
        crc.reset();
    }

    @Override
    public void update(byte[] b, int off, int len) {
        crc.update(b, off, len);
    }

    @Override
    public void update(ByteBuffer buffer) {
        int position = buffer.position();
        crc.update(buffer);
        buffer.position(position);
    }

    @Override
    public final void update(int b) {
        crc.update(b);
    }
}
