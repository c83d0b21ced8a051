package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A read-process-write workload from Kafka's own system tests: one {@code TransactionalMessageCopier}
 * (kafka-tools) per input partition, each copying its partition to the output partition of the same
 * number in transactions that carry its consumer group's offsets, a third of them aborted at random.
 * The input is seeded first; at the end the output must equal it, partition by partition and in order:
 * a lost or duplicated committed record, or a visible aborted one, breaks the equality.
 *
 * <p>A copier that dies (Kafka's copier exits when it is fenced, or when a transaction cannot be ended)
 * can be started again with the same transactional id, as Kafka's system test does when it kills
 * copiers: the new one fences the old and resumes from the committed offsets.
 */
final class TransactionalCopiers implements AutoCloseable {
    private static final String COPIER = "org.apache.kafka.tools.TransactionalMessageCopier";
    private static final Pattern TOTAL = Pattern.compile("\"totalProcessed\":(\\d+)");

    private final String bootstrap;
    private final String input;
    private final String output;
    private final String group;
    private final List<List<String>> seeded = new ArrayList<>();
    private final List<BackgroundProcess> copiers = new ArrayList<>();
    private final List<String> deaths = new ArrayList<>();

    /** Creates the input and output topics (replication factor 3) and writes {@code records} records to the input. */
    TransactionalCopiers(Cluster cluster, String prefix, int partitions, int records) {
        this.bootstrap = cluster.bootstrap();
        this.input = Clients.uniqueTopic(prefix + "-in");
        this.output = Clients.uniqueTopic(prefix + "-out");
        this.group = "copier-" + input;
        cluster.createTopic(input, partitions, 3);
        cluster.createTopic(output, partitions, 3);
        for (int p = 0; p < partitions; p++) {
            seeded.add(new ArrayList<>());
        }
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap)) {
            for (int i = 0; i < records; i++) {
                String value = "record-" + i;
                int partition = i % partitions;
                producer.send(new ProducerRecord<>(input, partition, null, value.getBytes(StandardCharsets.UTF_8)));
                seeded.get(partition).add(value);
            }
            producer.flush();
        }
    }

    String output() {
        return output;
    }

    String group() {
        return group;
    }

    String transactionalId(int partition) {
        return group + "-" + partition;
    }

    void start() {
        for (int p = 0; p < seeded.size(); p++) {
            copiers.add(startCopier(p));
        }
    }

    private BackgroundProcess startCopier(int partition) {
        return BackgroundProcess.startJava("copier-" + partition, COPIER,
                "--broker-list", bootstrap, "--input-topic", input, "--input-partition", String.valueOf(partition),
                "--output-topic", output, "--transactional-id", transactionalId(partition), "--consumer-group", group,
                "--use-group-metadata", "--enable-random-aborts", "--transaction-timeout", "10000");
    }

    boolean anyRunning() {
        return copiers.stream().anyMatch(BackgroundProcess::isAlive);
    }

    /**
     * Waits until every copier has copied its whole partition and exited. A copier that exits with an
     * error is started again while fewer than {@code maxRestarts} were; after that the wait fails.
     */
    void awaitDone(Duration timeout, int maxRestarts) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean done = true;
            for (int p = 0; p < copiers.size(); p++) {
                BackgroundProcess copier = copiers.get(p);
                if (copier.isAlive()) {
                    done = false;
                } else if (copier.exitCode() != 0) {
                    deaths.add("copier " + p + ": " + copier.describe());
                    assertThat(deaths.size()).as("copiers that died:\n" + String.join("\n", deaths))
                            .isLessThanOrEqualTo(maxRestarts);
                    copiers.set(p, startCopier(p));
                    done = false;
                }
            }
            if (done) {
                return;
            }
            assertThat(System.nanoTime()).as("copiers done within " + timeout.toSeconds() + " s; " + progress() + "\n"
                    + String.join("\n", copiers.stream().map(BackgroundProcess::describe).toList())).isLessThan(deadline);
            BrokerProcess.sleep(Duration.ofMillis(200));
        }
    }

    /** How many copiers had to be started again. */
    int restarts() {
        return deaths.size();
    }

    /** The last "totalProcessed" each copier printed (since it last started). */
    String progress() {
        List<String> totals = new ArrayList<>();
        for (BackgroundProcess copier : copiers) {
            List<String> lines = copier.lines();
            String total = "0";
            for (int i = lines.size() - 1; i >= 0; i--) {
                Matcher m = TOTAL.matcher(lines.get(i));
                if (m.find()) {
                    total = m.group(1);
                    break;
                }
            }
            totals.add(total);
        }
        return "copied " + totals + " of " + seeded.get(0).size() + " each";
    }

    /** Reads the output with read_committed and checks it equals the input, partition by partition. */
    void assertOutputEqualsInput(String bootstrap) {
        List<List<String>> copied = new ArrayList<>();
        seeded.forEach(p -> copied.add(new ArrayList<>()));
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap,
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            for (ConsumerRecord<byte[], byte[]> r : Clients.readAll(consumer, Clients.partitions(output, seeded.size()),
                    Duration.ofSeconds(60))) {
                copied.get(r.partition()).add(new String(r.value(), StandardCharsets.UTF_8));
            }
        }
        for (int p = 0; p < seeded.size(); p++) {
            assertThat(difference(seeded.get(p), copied.get(p))).as("output partition " + p + " (read_committed)").isNull();
        }
    }

    /** Null when {@code actual} equals {@code expected}; else a short account of how they differ. */
    private static String difference(List<String> expected, List<String> actual) {
        if (expected.equals(actual)) {
            return null;
        }
        int first = 0;
        while (first < Math.min(expected.size(), actual.size()) && expected.get(first).equals(actual.get(first))) {
            first++;
        }
        Set<String> wanted = new HashSet<>(expected);
        Set<String> seen = new HashSet<>();
        long duplicates = actual.stream().filter(v -> !seen.add(v)).count();
        long missing = wanted.stream().filter(v -> !seen.contains(v)).count();
        long unknown = seen.stream().filter(v -> !wanted.contains(v)).count();
        return String.format("%d records, expected %d: %d duplicated, %d missing, %d never written; first difference at"
                        + " index %d: %s instead of %s", actual.size(), expected.size(), duplicates, missing, unknown, first,
                first < actual.size() ? actual.get(first) : "(end)", first < expected.size() ? expected.get(first) : "(end)");
    }

    @Override
    public void close() {
        copiers.forEach(BackgroundProcess::close);
    }
}
