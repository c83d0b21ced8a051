package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka Streams application with {@code exactly_once_v2} ({@link WordCountApp}: a count per value,
 * through a repartition topic, in a store with a changelog) on three brokers, killed with kill -9 and
 * started again while input keeps coming, with the broker coordinating its group killed too. Every
 * input record makes one count update (the store's cache is off), so read_committed must see, for
 * every value, exactly the counts 1, 2, ..., n: a lost update or a duplicate would break the run.
 */
class ClusterStreamsExactlyOnceTest {
    private static final int PARTITIONS = 3;
    private static final int WORDS = 20;
    private static final int PER_PHASE = 2_000;

    @RegisterExtension
    final ClusterCleanup clusters = new ClusterCleanup(80);

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void countsAreExactAfterTheAppAndABrokerAreKilled(@TempDir Path state) throws Exception {
        Map<String, String> settings = new HashMap<>(Groups.BROKER_SETTINGS);
        settings.put("transaction.state.log.num.partitions", "3");
        settings.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
        Cluster cluster = clusters.track(Cluster.ofProcesses("streams", 3, false, settings));
        String input = Clients.uniqueTopic("words");
        String output = Clients.uniqueTopic("counts");
        cluster.createTopic(input, PARTITIONS, 3);
        cluster.createTopic(output, PARTITIONS, 3);
        String application = "count-" + input;
        Map<String, Long> expected = new TreeMap<>();

        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap());
             Admin admin = Cluster.quickAdmin(cluster.bootstrap())) {
            BackgroundProcess app = startApp(cluster, application, input, output, state);
            produce(producer, input, 0, expected);
            awaitSomeOutput(cluster, output);
            app.kill();
            System.out.println("streams: killed the application mid-way; starting it again");

            app = startApp(cluster, application, input, output, state);
            produce(producer, input, 1, expected);
            int coordinator = Eventually.value(Duration.ofSeconds(30), () -> admin.describeConsumerGroups(
                    List.of(application)).describedGroups().get(application).get(5, TimeUnit.SECONDS).coordinator().id());
            System.out.println("streams: killing broker " + coordinator + ", the group's coordinator");
            ClusterMember member = cluster.member(coordinator);
            member.kill();
            produce(producer, input, 2, expected);
            member.spawn();
            member.awaitServing();
            produce(producer, input, 3, expected);

            Map<String, List<Long>> counts = awaitCounts(cluster, output, expected, app);
            System.out.println("streams: counts exact for " + expected.size() + " words, "
                    + 4 * PER_PHASE + " records");
            for (Map.Entry<String, Long> e : expected.entrySet()) {
                assertThat(counts.get(e.getKey())).as("counts of " + e.getKey())
                        .containsExactlyElementsOf(LongStream.rangeClosed(1, e.getValue()).boxed().toList());
            }
            app.stop(Duration.ofSeconds(20));
        }
    }

    private static BackgroundProcess startApp(Cluster cluster, String application, String input, String output,
                                              Path state) {
        BackgroundProcess app = BackgroundProcess.startJava("streams-app", WordCountApp.class.getName(),
                cluster.bootstrap(), application, input, output, state.toString());
        app.awaitLine("RUNNING"::equals, Duration.ofSeconds(90), "RUNNING");
        return app;
    }

    /** One phase of input: PER_PHASE values spread over WORDS words and the input's partitions. */
    private static void produce(KafkaProducer<byte[], byte[]> producer, String topic, int phase,
                                Map<String, Long> expected) {
        for (int i = 0; i < PER_PHASE; i++) {
            String word = "word-" + ((i * 7 + phase) % WORDS);
            producer.send(new ProducerRecord<>(topic, i % PARTITIONS, null, word.getBytes(StandardCharsets.UTF_8)));
            expected.merge(word, 1L, Long::sum);
        }
        producer.flush();
    }

    private static void awaitSomeOutput(Cluster cluster, String output) {
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrap(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            consumer.assign(Clients.partitions(output, PARTITIONS));
            consumer.seekToBeginning(consumer.assignment());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (consumer.poll(Duration.ofMillis(200)).isEmpty()) {
                assertThat(System.nanoTime()).as("committed output within 90 s").isLessThan(deadline);
            }
        }
    }

    /**
     * Reads the output (read_committed) until every word's last count is the expected one, or one went
     * past it (counted twice: no point waiting).
     */
    private static Map<String, List<Long>> awaitCounts(Cluster cluster, String output, Map<String, Long> expected,
                                                       BackgroundProcess app) {
        Map<String, List<Long>> counts = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrap(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            consumer.assign(Clients.partitions(output, PARTITIONS));
            consumer.seekToBeginning(consumer.assignment());
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (!reached(counts, expected) && !overshot(counts, expected)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("counts did not reach " + expected + " within 3 minutes; last counts "
                            + lastCounts(counts) + "\n" + app.describe());
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    counts.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                            .add(ByteBuffer.wrap(r.value()).getLong());
                }
            }
        }
        return counts;
    }

    private static boolean reached(Map<String, List<Long>> counts, Map<String, Long> expected) {
        return lastCounts(counts).equals(expected);
    }

    private static boolean overshot(Map<String, List<Long>> counts, Map<String, Long> expected) {
        return lastCounts(counts).entrySet().stream().anyMatch(e -> e.getValue() > expected.getOrDefault(e.getKey(), 0L));
    }

    private static Map<String, Long> lastCounts(Map<String, List<Long>> counts) {
        Map<String, Long> last = new TreeMap<>();
        counts.forEach((word, values) -> last.put(word, values.get(values.size() - 1)));
        return last;
    }
}
