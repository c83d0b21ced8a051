package io.tributary.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kills a writing process with SIGKILL, damages log tails by hand, and checks what reopening keeps. */
class PartitionLogCrashTest {
    private static final LogConfig CONFIG = new LogConfig(64 * 1024, Long.MAX_VALUE, -1, -1, 1024, 1 << 16);

    @TempDir
    Path dir;

    @Test
    void sigkillMidWriteLosesNothingFlushedAndServesNothingCorrupt() throws Exception {
        Random random = new Random(42);
        long lastDurable = 0;
        for (int round = 0; round < 3; round++) {
            Process writer = new ProcessBuilder(javaBin(), "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                    CrashWriter.class.getName(), dir.toString()).redirectErrorStream(true).start();
            int killAfter = 5 + random.nextInt(40);
            try (BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
                int seen = 0;
                String line;
                while (seen < killAfter && (line = out.readLine()) != null) {
                    if (line.startsWith("durable ")) {
                        lastDurable = Long.parseLong(line.substring(8));
                        seen++;
                    }
                }
                assertThat(seen).as("writer output up to the kill").isEqualTo(killAfter);
                writer.destroyForcibly();
                assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            try (PartitionLog log = PartitionLog.open(dir, CONFIG)) {
                assertThat(log.logEndOffset()).isGreaterThanOrEqualTo(lastDurable);
                List<TestBatches.Rec> records = TestBatches.readAll(log, 0);
                assertThat(records).hasSize((int) log.logEndOffset());
                for (int i = 0; i < records.size(); i++) {
                    assertThat(records.get(i).offset()).isEqualTo(i);
                    assertThat(records.get(i).value()).isEqualTo(CrashWriter.valueFor(i));
                }
            }
        }
    }

    @Test
    void garbageHalfBatchesAndBadCrcsAtTheTailAreCutOnOpen() throws Exception {
        long intactEnd;
        long intactSize;
        try (PartitionLog log = PartitionLog.open(dir, CONFIG)) {
            for (int i = 0; i < 30; i++) {
                log.append(TestBatches.batch(log.logEndOffset(), 1000 + i, CrashWriter.valueFor(i)));
            }
            intactEnd = log.logEndOffset();
            intactSize = log.sizeInBytes();
        }
        Path active = lastLogFile();
        long activeSize = Files.size(active);
        ByteBuffer next = TestBatches.batch(intactEnd, 5000, "next");
        byte[] random = new byte[300];
        new Random(7).nextBytes(random);

        List<byte[]> tails = List.of(
                random,
                slice(next, next.remaining() / 2),
                slice(next, 30),
                corruptCrc(next),
                concat(corruptCrc(next), array(TestBatches.batch(intactEnd + 1, 5000, "after"))),
                array(TestBatches.batch(3, 5000, "goes-backwards")));
        for (byte[] tail : tails) {
            try (FileChannel ch = FileChannel.open(active, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(tail), activeSize);
            }
            try (PartitionLog log = PartitionLog.open(dir, CONFIG)) {
                assertThat(log.logEndOffset()).isEqualTo(intactEnd);
                assertThat(log.sizeInBytes()).isEqualTo(intactSize);
                assertThat(TestBatches.readAll(log, 0)).extracting(TestBatches.Rec::value)
                        .containsExactlyElementsOf(java.util.stream.LongStream.range(0, intactEnd).mapToObj(CrashWriter::valueFor).toList());
            }
            assertThat(Files.size(active)).isEqualTo(activeSize);
        }
    }

    private Path lastLogFile() throws Exception {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".log")).sorted().reduce((a, b) -> b).orElseThrow();
        }
    }

    private static byte[] array(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static byte[] slice(ByteBuffer b, int length) {
        byte[] out = new byte[length];
        b.duplicate().get(out);
        return out;
    }

    private static byte[] corruptCrc(ByteBuffer b) {
        byte[] out = array(b);
        out[out.length - 1] ^= 0x55;
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
