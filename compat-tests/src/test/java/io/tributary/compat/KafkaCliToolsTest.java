package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Apache Kafka's own command-line tools (kafka-tools 4.4.0), each run in a child JVM. */
class KafkaCliToolsTest {

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension("cli-tools");

    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(90);

    @Test
    void topicCommandCreatesDescribesAndListsTopics() {
        String topic = Clients.uniqueTopic("cli-topic");

        Command.Result created = topicCommand("--create", "--topic", topic, "--partitions", "3",
                "--replication-factor", "1");
        assertSucceeded(created);
        assertThat(created.stdout()).contains("Created topic " + topic + ".");

        Command.Result listed = topicCommand("--list");
        assertSucceeded(listed);
        assertThat(listed.stdoutLines()).contains(topic);

        Command.Result described = topicCommand("--describe", "--topic", topic);
        assertSucceeded(described);
        String nodeId = Integer.toString(BROKER.broker().nodeId());
        assertThat(described.stdout())
                .containsPattern("Topic: " + topic + "\\s+TopicId: \\S+\\s+PartitionCount: 3\\s+ReplicationFactor: 1");
        for (int p = 0; p < 3; p++) {
            assertThat(described.stdout()).containsPattern("Topic: " + topic + "\\s+Partition: " + p
                    + "\\s+Leader: " + nodeId + "\\s+Replicas: " + nodeId + "\\s+Isr: " + nodeId);
        }
    }

    @Test
    void consoleProducerThenConsoleConsumerFromEarliest() {
        String topic = Clients.uniqueTopic("cli-console");
        assertSucceeded(topicCommand("--create", "--topic", topic, "--partitions", "1",
                "--replication-factor", "1"));
        int count = 25;
        String input = String.join("\n",
                IntStream.range(0, count).mapToObj(i -> "origin:console\tkey-" + i + "\tvalue " + i).toList()) + "\n";

        Command.Result produced = JavaMain.run("org.apache.kafka.tools.ConsoleProducer", input, TOOL_TIMEOUT,
                "--bootstrap-server", BROKER.bootstrap(), "--topic", topic,
                "--reader-property", "parse.key=true", "--reader-property", "parse.headers=true");
        assertSucceeded(produced);

        Command.Result consumed = JavaMain.run("org.apache.kafka.tools.consumer.ConsoleConsumer", null, TOOL_TIMEOUT,
                "--bootstrap-server", BROKER.bootstrap(), "--topic", topic,
                "--partition", "0", "--offset", "earliest", "--max-messages", Integer.toString(count),
                "--timeout-ms", "30000",
                "--formatter-property", "print.offset=true",
                "--formatter-property", "print.headers=true",
                "--formatter-property", "print.key=true");
        assertSucceeded(consumed);
        List<String> expected = IntStream.range(0, count)
                .mapToObj(i -> "Offset:" + i + "\torigin:console\tkey-" + i + "\tvalue " + i).toList();
        assertThat(consumed.stdoutLines()).containsExactlyElementsOf(expected);
        assertThat(consumed.stderr()).contains("Processed a total of " + count + " messages");
    }

    @Test
    void transactionsCommandDescribesAPartitionsProducers() {
        String topic = Clients.uniqueTopic("cli-producers");
        assertSucceeded(topicCommand("--create", "--topic", topic, "--partitions", "1", "--replication-factor", "1"));
        long producerId;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(BROKER.bootstrap())) {
            for (int i = 0; i < 5; i++) {
                Clients.await(producer.send(new ProducerRecord<>(topic, 0, null, ("v" + i).getBytes(StandardCharsets.UTF_8))));
            }
            producerId = Clients.await(BROKER.admin().describeProducers(List.of(new TopicPartition(topic, 0)))
                    .partitionResult(new TopicPartition(topic, 0))).activeProducers().get(0).producerId();
        }

        Command.Result described = JavaMain.run("org.apache.kafka.tools.TransactionsCommand", null, TOOL_TIMEOUT,
                "--bootstrap-server", BROKER.bootstrap(), "describe-producers", "--topic", topic, "--partition", "0");
        assertSucceeded(described);
        // ProducerId, ProducerEpoch, LatestCoordinatorEpoch, LastSequence, LastTimestamp, CurrentTransactionStartOffset
        assertThat(described.stdout()).containsPattern("(?m)^" + producerId + "\\s+0\\s+-1\\s+4\\s+\\d+\\s+None\\s*$");
    }

    private static Command.Result topicCommand(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = BROKER.bootstrap();
        System.arraycopy(args, 0, all, 2, args.length);
        return JavaMain.run("org.apache.kafka.tools.TopicCommand", null, TOOL_TIMEOUT, all);
    }

    private static void assertSucceeded(Command.Result result) {
        assertThat(result.exitCode()).as(result.describe()).isZero();
    }
}
