package io.tributary.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.compress.Compression;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's own {@code DumpLogSegments} (kafka-tools) reads the segment files we write: it sees the
 * offsets, keys and values we wrote and finds nothing wrong with either index.
 */
class DumpLogSegmentsCompatTest {
    private static final LogConfig CONFIG = new LogConfig(16 * 1024, Long.MAX_VALUE, -1, -1, 512, 1 << 16);
    private static final int BATCHES = 60;

    @TempDir
    Path dir;

    private final List<String> expected = new ArrayList<>();

    @BeforeEach
    void writeLog() throws Exception {
        try (PartitionLog log = PartitionLog.open(dir, CONFIG)) {
            for (int b = 0; b < BATCHES; b++) {
                Compression compression = b % 3 == 0 ? Compression.gzip().build() : Compression.NONE;
                String[] values = new String[3];
                for (int i = 0; i < values.length; i++) {
                    values[i] = "value-" + (log.logEndOffset() + i) + "-" + "z".repeat(100);
                    expected.add(values[i]);
                }
                log.append(TestBatches.batch(compression, log.logEndOffset(), 1_700_000_000_000L + b * 10L, values));
            }
            assertThat(log.segmentCount()).isGreaterThan(1);
        }
    }

    @Test
    void readsRecordsWithOffsetsKeysAndValues() throws Exception {
        List<String> segments = files(".log");
        String out = dump(segments, "--print-data-log", "--deep-iteration");
        Matcher m = Pattern.compile("offset: (\\d+) .*?key: (\\S+) payload: (\\S+)").matcher(out);
        List<Long> offsets = new ArrayList<>();
        List<String> values = new ArrayList<>();
        while (m.find()) {
            offsets.add(Long.parseLong(m.group(1)));
            assertThat(m.group(2)).isEqualTo("k" + ((offsets.size() - 1) % 3));
            values.add(m.group(3));
        }
        assertThat(offsets).containsExactlyElementsOf(java.util.stream.LongStream.range(0, BATCHES * 3L).boxed().toList());
        assertThat(values).containsExactlyElementsOf(expected);
        assertThat(out).doesNotContainIgnoringCase("corrupt").doesNotContainIgnoringCase("mismatch");
    }

    @Test
    void findsBothIndexesConsistentWithTheLog() throws Exception {
        String index = dump(files(".index"), "--verify-index-only");
        assertThat(index).doesNotContainIgnoringCase("mismatch").doesNotContain("Exception");
        String full = dump(files(".index"));
        assertThat(full).contains("offset: ").contains("position: ");

        String time = dump(files(".timeindex"));
        assertThat(time).contains("timestamp: ");
        assertThat(time).doesNotContainIgnoringCase("mismatch").doesNotContainIgnoringCase("not found")
                .doesNotContainIgnoringCase("out of order").doesNotContain("Exception");
    }

    @Test
    void readsTheAbortedTransactionIndex() throws Exception {
        Path txnDir = dir.resolve("txn");
        try (PartitionLog log = PartitionLog.open(txnDir, CONFIG)) {
            log.append(TestBatches.batch(0, 1_700_000_000_000L, "a", "b"));
            log.appendAbortedTxn(new AbortedTxn(42, 0, 1, 2));
        }
        String out = dump(List.of(txnDir.resolve(LogSegment.fileName(0, LogSegment.TXN_INDEX_SUFFIX)).toString()));
        assertThat(out).contains("producerId: 42").contains("firstOffset: 0").contains("lastOffset: 1")
                .contains("lastStableOffset: 2").doesNotContain("Exception");
    }

    private List<String> files(String suffix) throws Exception {
        try (var stream = java.nio.file.Files.list(dir)) {
            return stream.map(Path::toString).filter(p -> p.endsWith(suffix)).sorted().toList();
        }
    }

    private static String dump(List<String> files, String... flags) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-cp", System.getProperty("java.class.path"), "org.apache.kafka.tools.DumpLogSegments",
                "--files", String.join(",", files)));
        cmd.addAll(List.of(flags));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
