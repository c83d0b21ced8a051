package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka's own system-test copier ({@code org.apache.kafka.tools.TransactionalMessageCopier}) copying an
 * input topic to an output topic in transactions (offsets included, a third of them aborted at random)
 * while brokers are killed with kill -9 in turn: the broker coordinating a copier's transactions, the
 * leader of an output partition, and the broker coordinating the copiers' consumer group. Each copier
 * copies one input partition to the output partition of the same number, so read_committed must see
 * exactly the input, in order: nothing lost, nothing twice, nothing aborted.
 *
 * <p>Kills go on, one every few seconds, until the copiers finish (at most {@code -Dcopier.rounds}, 30);
 * {@code -Dcopier.records} sets how many records are copied (100,000).
 */
class ClusterTransactionalCopierTest {
    private static final int PARTITIONS = 2;
    private static final int RECORDS = Integer.getInteger("copier.records", 100_000);
    private static final int KILL_ROUNDS = Integer.getInteger("copier.rounds", 30);
    private static final String COPIER = "org.apache.kafka.tools.TransactionalMessageCopier";

    @RegisterExtension
    final ClusterCleanup clusters = new ClusterCleanup(80);

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void kafkasCopierCopiesExactlyOnceWhileBrokersAreKilled() throws Exception {
        Cluster cluster = clusters.track(Cluster.ofProcesses("copier", 3, false, Map.of(
                "transaction.state.log.num.partitions", "3",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000")));
        String input = Clients.uniqueTopic("copier-in");
        String output = Clients.uniqueTopic("copier-out");
        cluster.createTopic(input, PARTITIONS, 3);
        cluster.createTopic(output, PARTITIONS, 3);
        List<List<String>> seeded = seed(cluster, input);
        String group = "copier-" + input;

        List<BackgroundProcess> copiers = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            copiers.add(BackgroundProcess.startJava("copier-" + p, COPIER,
                    "--broker-list", cluster.bootstrap(), "--input-topic", input, "--input-partition", String.valueOf(p),
                    "--output-topic", output, "--transactional-id", group + "-" + p, "--consumer-group", group,
                    "--use-group-metadata", "--enable-random-aborts", "--transaction-timeout", "10000"));
        }
        try (Admin admin = Cluster.quickAdmin(cluster.bootstrap())) {
            List<Map.Entry<String, IntSupplier>> victims = List.of(
                    Map.entry("transaction coordinator of " + group + "-0", () -> transactionCoordinator(admin, group + "-0")),
                    Map.entry("leader of " + output + "-0", () -> cluster.leaderOf(new TopicPartition(output, 0))),
                    Map.entry("group coordinator of " + group, () -> groupCoordinator(admin, group)));
            for (int round = 0; round < KILL_ROUNDS && copiers.stream().anyMatch(BackgroundProcess::isAlive); round++) {
                BrokerProcess.sleep(Duration.ofSeconds(3));
                Map.Entry<String, IntSupplier> victim = victims.get(round % victims.size());
                int broker = victim.getValue().getAsInt();
                System.out.printf("copier round %d: killing broker %d, %s; copied so far %s%n",
                        round + 1, broker, victim.getKey(), progress(copiers));
                ClusterMember member = cluster.member(broker);
                member.kill();
                BrokerProcess.sleep(Duration.ofSeconds(2));
                member.spawn();
                member.awaitServing();
            }
        }
        for (BackgroundProcess copier : copiers) {
            assertThat(copier.awaitExit(Duration.ofMinutes(6))).as("copier finished:\n" + copier.describe()).isTrue();
            assertThat(copier.exitCode()).as("copier exit code:\n" + copier.describe()).isZero();
        }
        System.out.println("copier: " + progress(copiers));

        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrap(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            List<List<String>> copied = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                copied.add(new ArrayList<>());
            }
            for (ConsumerRecord<byte[], byte[]> r : Clients.readAll(consumer, Clients.partitions(output, PARTITIONS),
                    Duration.ofSeconds(60))) {
                copied.get(r.partition()).add(new String(r.value(), StandardCharsets.UTF_8));
            }
            for (int p = 0; p < PARTITIONS; p++) {
                assertThat(copied.get(p)).as("output partition " + p).containsExactlyElementsOf(seeded.get(p));
            }
        }
    }

    /** Writes the input: record i goes to partition i % PARTITIONS; returns each partition's values in order. */
    private static List<List<String>> seed(Cluster cluster, String topic) {
        List<List<String>> values = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            values.add(new ArrayList<>());
        }
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap())) {
            for (int i = 0; i < RECORDS; i++) {
                String value = "record-" + i;
                int partition = i % PARTITIONS;
                producer.send(new ProducerRecord<>(topic, partition, null, value.getBytes(StandardCharsets.UTF_8)));
                values.get(partition).add(value);
            }
            producer.flush();
        }
        return values;
    }

    private static int transactionCoordinator(Admin admin, String transactionalId) {
        return Eventually.value(Duration.ofSeconds(30), () -> admin.describeTransactions(List.of(transactionalId))
                .description(transactionalId).get(5, TimeUnit.SECONDS).coordinatorId());
    }

    private static int groupCoordinator(Admin admin, String group) {
        return Eventually.value(Duration.ofSeconds(30), () -> admin.describeConsumerGroups(List.of(group))
                .describedGroups().get(group).get(5, TimeUnit.SECONDS).coordinator().id());
    }

    /** The last "totalProcessed" each copier printed. */
    private static String progress(List<BackgroundProcess> copiers) {
        List<String> totals = new ArrayList<>();
        for (BackgroundProcess copier : copiers) {
            List<String> lines = copier.lines();
            String total = "0";
            for (int i = lines.size() - 1; i >= 0; i--) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"totalProcessed\":(\\d+)").matcher(lines.get(i));
                if (m.find()) {
                    total = m.group(1);
                    break;
                }
            }
            totals.add(total);
        }
        return totals + " of " + RECORDS / PARTITIONS + " each";
    }
}
