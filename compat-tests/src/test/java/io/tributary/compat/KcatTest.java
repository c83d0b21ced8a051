package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** kcat (librdkafka) used unchanged: metadata, producing with keys and headers, consuming. */
class KcatTest {

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension("kcat");

    @BeforeEach
    void needsKcat() {
        External.requireKcat();
    }

    @Test
    void metadataListsTheBrokerAndTopic() {
        String topic = Clients.uniqueTopic("kcat-metadata");
        Clients.createTopic(BROKER.admin(), topic, 2);

        Command.Result result = kcat(null, "-L", "-t", topic);
        assertSucceeded(result);
        assertThat(result.stdout())
                .contains("1 brokers:")
                .contains("broker " + BROKER.broker().nodeId() + " at " + BROKER.bootstrap())
                .contains("topic \"" + topic + "\" with 2 partitions:")
                .contains("partition 0, leader " + BROKER.broker().nodeId())
                .contains("partition 1, leader " + BROKER.broker().nodeId());
    }

    @Test
    void producedKeysValuesAndHeadersReadBackIdentical() {
        String topic = Clients.uniqueTopic("kcat-roundtrip");
        Clients.createTopic(BROKER.admin(), topic, 1);
        List<String> input = IntStream.range(0, 20).mapToObj(i -> "key-" + i + ":value " + i).toList();

        Command.Result produced = kcat(String.join("\n", input) + "\n",
                "-P", "-t", topic, "-p", "0", "-K:", "-H", "source=kcat", "-H", "kind=test");
        assertSucceeded(produced);

        Command.Result consumed = kcat(null, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e",
                "-f", "%k|%s|%h|%o\\n");
        assertSucceeded(consumed);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < input.size(); i++) {
            expected.add("key-" + i + "|value " + i + "|source=kcat,kind=test|" + i);
        }
        assertThat(consumed.stdoutLines()).containsExactlyElementsOf(expected);
    }

    @Test
    void negativeOffsetReadsTheLastRecords() {
        String topic = Clients.uniqueTopic("kcat-tail");
        Clients.createTopic(BROKER.admin(), topic, 1);
        String input = String.join("\n", IntStream.range(0, 50).mapToObj(i -> "line " + i).toList()) + "\n";
        assertSucceeded(kcat(input, "-P", "-t", topic, "-p", "0"));

        Command.Result tail = kcat(null, "-C", "-t", topic, "-p", "0", "-o", "-10", "-e", "-f", "%o %s\\n");
        assertSucceeded(tail);
        assertThat(tail.stdoutLines())
                .containsExactlyElementsOf(IntStream.range(40, 50).mapToObj(i -> i + " line " + i).toList());
    }

    private static Command.Result kcat(String stdin, String... args) {
        List<String> command = new ArrayList<>(List.of("kcat", "-b", BROKER.bootstrap(), "-q"));
        command.addAll(List.of(args));
        return Command.run(command, stdin, Duration.ofSeconds(30));
    }

    private static void assertSucceeded(Command.Result result) {
        assertThat(result.exitCode()).as(result.describe()).isZero();
    }
}
