package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Transactions from clients that are not Kafka's Java client: librdkafka (confluent-kafka-python,
 * {@code src/test/python/transactions.py}) and kafkajs ({@code src/test/node/transactions.js}). Each
 * script commits a transaction, aborts one, and copies what it read with read_committed in a
 * transaction that carries its group's offset; the Java client then checks every offset.
 */
class OtherClientsTransactionsTest {

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension("other-clients-txn", Groups.BROKER_SETTINGS);

    @Test
    void librdkafkaCommitsAbortsAndSendsOffsets() {
        String python = External.requireConfluentKafkaPython();
        String topic = Clients.uniqueTopic("librdkafka-txn");
        Clients.createTopic(BROKER.admin(), topic, 2);
        Command.Result result = Command.run(List.of(python, "src/test/python/transactions.py", BROKER.bootstrap(),
                topic, "group-" + topic), null, Duration.ofMinutes(2));
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertTransactionsLanded(topic);
    }

    @Test
    void kafkajsCommitsAbortsAndSendsOffsets() {
        Path scripts = External.requireKafkajs();
        String topic = Clients.uniqueTopic("kafkajs-txn");
        Clients.createTopic(BROKER.admin(), topic, 2);
        Command.Result result = Command.run(List.of("node", scripts.resolve("transactions.js").toString(),
                BROKER.bootstrap(), topic, "group-" + topic), null, Duration.ofMinutes(2));
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertTransactionsLanded(topic);
    }

    /**
     * Partition 0: five committed records (offsets 0-4), their marker, five aborted ones (6-10) and
     * theirs; partition 1: the five copies; the group's offset on partition 0 past the last committed
     * record.
     */
    private static void assertTransactionsLanded(String topic) {
        List<String> committed = values("committed");
        TopicPartition source = new TopicPartition(topic, 0);
        TopicPartition copies = new TopicPartition(topic, 1);
        assertThat(read(topic, "read_committed", source)).containsExactlyElementsOf(committed);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"))) {
            assertThat(Clients.readAll(consumer, List.of(source), Duration.ofSeconds(30)))
                    .extracting(ConsumerRecord::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 6L, 7L, 8L, 9L, 10L);
        }
        assertThat(read(topic, "read_committed", copies))
                .containsExactlyElementsOf(committed.stream().map(v -> "copy-" + v).toList());
        try (KafkaConsumer<byte[], byte[]> group = Clients.consumer(BROKER.bootstrap(),
                Map.of(ConsumerConfig.GROUP_ID_CONFIG, "group-" + topic))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = group.committed(Set.of(source), Duration.ofSeconds(10));
            assertThat(offsets.get(source)).as("the group's offset on " + source).isNotNull();
            // Past the last committed record; a client that read on over the aborted records says so (12).
            assertThat(offsets.get(source).offset()).isBetween(5L, 12L);
        }
    }

    private static List<String> read(String topic, String isolation, TopicPartition partition) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation))) {
            for (ConsumerRecord<byte[], byte[]> r : Clients.readAll(consumer, List.of(partition), Duration.ofSeconds(30))) {
                values.add(new String(r.value(), StandardCharsets.UTF_8));
            }
        }
        return values;
    }

    private static List<String> values(String prefix) {
        return IntStream.range(0, 5).mapToObj(i -> prefix + "-" + i).toList();
    }
}
