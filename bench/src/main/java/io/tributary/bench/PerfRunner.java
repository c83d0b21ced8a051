package io.tributary.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Runs Kafka's own load generators, {@code org.apache.kafka.tools.ProducerPerformance} and
 * {@code org.apache.kafka.tools.ConsumerPerformance} (kafka-tools), as child JVMs against one
 * broker or cluster, and parses what they print. One runner serves one started broker: it remembers which
 * topic each producer workload filled, so a consumer workload can read it back.
 */
public final class PerfRunner {
    static final String PRODUCER_MAIN = "org.apache.kafka.tools.ProducerPerformance";
    static final String CONSUMER_MAIN = "org.apache.kafka.tools.ConsumerPerformance";

    /** Heap of the perf tools, as kafka-producer-perf-test.sh sets it; English number format. */
    private static final List<String> TOOL_FLAGS = List.of("-Xmx512m", "-Duser.language=en", "-Duser.country=US");
    private static final Duration CONSUMER_TIMEOUT = Duration.ofSeconds(180);
    /** How long a new topic may take to acknowledge a first write to every partition. */
    private static final Duration TOPIC_READY_TIMEOUT = Duration.ofSeconds(60);

    private record Filled(String topic, long records) {
    }

    /** Partitions and replication factor of the topic each producer run creates. */
    public record TopicLayout(int partitions, short replicationFactor) {
        public static final TopicLayout SINGLE = new TopicLayout(1, (short) 1);

        @Override
        public String toString() {
            return partitions + (partitions == 1 ? " partition" : " partitions") + ", RF " + replicationFactor;
        }
    }

    private final String bootstrap;
    private final Path logDir;
    private final Duration producerCap;
    private final TopicLayout layout;
    private final Map<String, Filled> filled = new HashMap<>();

    /**
     * @param bootstrap   "127.0.0.1:port" of the broker under test (or a list for a cluster)
     * @param logDir      where the tools' output files go
     * @param producerCap a full-speed producer run still going after this long is stopped, and
     *                    its result aggregated from its progress lines
     */
    public PerfRunner(String bootstrap, Path logDir, Duration producerCap) {
        this(bootstrap, logDir, producerCap, TopicLayout.SINGLE);
    }

    /** As above, with producer topics of {@code layout} instead of 1 partition, RF 1. */
    public PerfRunner(String bootstrap, Path logDir, Duration producerCap, TopicLayout layout) {
        this.bootstrap = bootstrap;
        this.logDir = logDir;
        this.producerCap = producerCap;
        this.layout = layout;
    }

    public PerfResult run(Workload workload) throws Exception {
        if (workload.isConsumer()) {
            Filled source = filled.get(workload.source().id());
            if (source == null) {
                produce(workload.source());
                source = filled.get(workload.source().id());
            }
            return consume(workload, source);
        }
        return produce(workload);
    }

    private PerfResult produce(Workload w) throws Exception {
        String topic = "bench-" + w.id() + "-" + UUID.randomUUID().toString().substring(0, 8);
        AdminOps.createTopic(bootstrap, topic, layout.partitions(), layout.replicationFactor());
        AdminOps.awaitWritable(bootstrap, topic, layout.partitions(), TOPIC_READY_TIMEOUT);
        Duration cap = w.throughput() > 0
                ? Duration.ofSeconds(w.records() / w.throughput() + 60)
                : producerCap;
        // Progress lines are what is left of a run stopped at the cap, so print several per cap.
        long reportingMs = Math.max(1000, Math.min(5000, cap.toMillis() / 12));
        List<String> args = new ArrayList<>(List.of(
                "--bootstrap-server", bootstrap,
                "--topic", topic,
                "--num-records", Long.toString(w.records()),
                "--record-size", Integer.toString(w.recordSize()),
                "--throughput", Integer.toString(w.throughput()),
                "--reporting-interval", Long.toString(reportingMs)));
        if (w.isLatencyRun()) {
            // The producer JVM's own start (first metadata fetch, JIT) put a ~300 ms spike into the first
            // seconds on both systems, which alone set the p99; the tool reports the rest separately.
            args.addAll(List.of("--warmup-records", Long.toString(w.latencyWarmupRecords())));
        }
        if (w.transactionMs() > 0) {
            args.addAll(List.of("--transactional-id", topic, "--transaction-duration-ms", Integer.toString(w.transactionMs())));
        }
        // --command-property takes every value after it, so it comes last.
        args.addAll(List.of("--command-property", "acks=" + w.acks()));
        args.addAll(Workload.PRODUCER_SETTINGS);
        Path out = logDir.resolve(topic + ".producer.log");
        Process process = ChildProcesses.start(ChildProcesses.javaCommand(toolFlags(), PRODUCER_MAIN, args), null, out);
        boolean finished = process.waitFor(cap.toMillis(), TimeUnit.MILLISECONDS);
        ChildProcesses.kill(process, Duration.ofSeconds(5));
        List<String> lines = readLines(out);
        PerfResult result = finished ? PerfOutputParser.producerSummary(lines) : PerfOutputParser.producerWindows(lines);
        if (finished && process.exitValue() != 0 || result == null) {
            throw new IllegalStateException("ProducerPerformance gave no result (exit "
                    + (finished ? process.exitValue() : "killed at cap") + "); output " + out + ":\n"
                    + ChildProcesses.tail(out, 15));
        }
        filled.put(w.id(), new Filled(topic, result.records()));
        return result;
    }

    private PerfResult consume(Workload w, Filled source) throws Exception {
        List<String> args = List.of(
                "--bootstrap-server", bootstrap,
                "--topic", source.topic(),
                "--num-records", Long.toString(source.records()),
                "--timeout", "30000");
        Path out = logDir.resolve(source.topic() + ".consumer-" + w.id() + ".log");
        int exit = ChildProcesses.run(ChildProcesses.javaCommand(toolFlags(), CONSUMER_MAIN, args), out, CONSUMER_TIMEOUT);
        PerfResult result = PerfOutputParser.consumer(readLines(out));
        if (exit != 0 || result == null) {
            throw new IllegalStateException("ConsumerPerformance gave no result (exit " + exit + "); output "
                    + out + ":\n" + ChildProcesses.tail(out, 15));
        }
        if (result.records() < source.records()) {
            return new PerfResult(result.records(), result.recordsPerSec(), result.mbPerSec(), result.avgMs(),
                    result.maxMs(), result.p50Ms(), result.p99Ms(), result.p999Ms(), true,
                    "read " + result.records() + " of " + source.records() + "; " + result.note());
        }
        return result;
    }

    private static List<String> toolFlags() {
        List<String> flags = new ArrayList<>(TOOL_FLAGS);
        flags.addAll(ChildProcesses.KAFKA_RUN_CLASS_FLAGS);
        return flags;
    }

    private static List<String> readLines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    }
}
