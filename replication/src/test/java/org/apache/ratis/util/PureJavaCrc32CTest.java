package org.apache.ratis.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PureJavaCrc32CTest {
    @Test
    void matchesTheCrc32cCheckValue() {
        PureJavaCrc32C crc = new PureJavaCrc32C();
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        crc.update(check, 0, check.length);
        assertEquals(0xE3069283L, crc.getValue());
        crc.reset();
        for (byte b : check) {
            crc.update(b);
        }
        assertEquals(0xE3069283L, crc.getValue());
    }

    @Test
    void bufferUpdatesAgreeWithArrayUpdatesAndKeepThePosition() {
        byte[] bytes = new byte[10_000];
        new Random(7).nextBytes(bytes);
        PureJavaCrc32C fromArray = new PureJavaCrc32C();
        fromArray.update(bytes, 3, 9_000);
        for (ByteBuffer buffer : new ByteBuffer[] {ByteBuffer.wrap(bytes), ByteBuffer.allocateDirect(bytes.length).put(bytes)}) {
            buffer.position(3).limit(9_003);
            PureJavaCrc32C fromBuffer = new PureJavaCrc32C();
            fromBuffer.update(buffer);
            assertEquals(fromArray.getValue(), fromBuffer.getValue());
            assertEquals(3, buffer.position());
        }
    }
}
