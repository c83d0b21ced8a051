package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Group consumers and group tooling other than the Java consumer: kcat's balanced consumer,
 * Kafka's kafka-consumer-groups tool (ConsumerGroupCommand from kafka-tools 4.4.0) and
 * Tributary's own {@code consume --group} command.
 */
class GroupToolsTest {

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension("group-tools", Groups.BROKER_SETTINGS);

    private static final String CONSUMER_GROUP_COMMAND = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration REBALANCE = Duration.ofSeconds(45);

    /** Two {@code kcat -G} members split four partitions, read every record once between them and commit. */
    @Test
    void kcatBalancedConsumersReadEverythingOnce() {
        External.requireKcat();
        String topic = Clients.uniqueTopic("kcat-group");
        String group = Groups.uniqueGroup("kcat-group");
        Clients.createTopic(BROKER.admin(), topic, 4);

        try (BackgroundProcess first = BackgroundProcess.start("kcat-G-1", kcatGroupConsumer(group, topic));
                BackgroundProcess second = BackgroundProcess.start("kcat-G-2", kcatGroupConsumer(group, topic))) {
            awaitStableGroup(group, 2, 2, first, second);
            List<String> values = Groups.produce(BROKER.bootstrap(), topic, 4, "kcat", 0, 200);

            Eventually.holds(Duration.ofSeconds(30), () -> assertThat(valuesPrinted(List.of(first, second), "kcat"))
                    .as("values printed by both kcat members (%s\n%s)", first.describe(), second.describe())
                    .containsAll(values));
            Map<TopicPartition, Long> end = Groups.endOffsets(BROKER.admin(), topic, 4);
            Eventually.holds(Duration.ofSeconds(20), () -> assertThat(Groups.committed(BROKER.admin(), group))
                    .as("offsets committed by kcat").isEqualTo(end));

            first.stop(Duration.ofSeconds(10));
            second.stop(Duration.ofSeconds(10));
            assertThat(valuesPrinted(List.of(first, second), "kcat")).as("values printed, all members together")
                    .containsExactlyInAnyOrderElementsOf(values);
            assertThat(valuesPrinted(List.of(first), "kcat")).as("values printed by the first member").isNotEmpty();
            assertThat(valuesPrinted(List.of(second), "kcat")).as("values printed by the second member").isNotEmpty();
        }
    }

    /**
     * kafka-consumer-groups against a group with one active member: --list, --describe (offsets and
     * LAG), --reset-offsets and --delete refused while the group is active; then, with the group
     * empty, --reset-offsets --to-earliest --execute, --delete-offsets and --delete.
     */
    @Test
    void consumerGroupCommandListsDescribesResetsAndDeletes() {
        String topic = Clients.uniqueTopic("cgc");
        String group = Groups.uniqueGroup("cgc");
        Clients.createTopic(BROKER.admin(), topic, 3);
        Groups.produce(BROKER.bootstrap(), topic, 3, "cgc", 0, 30);
        Map<TopicPartition, Long> committed = Map.of(
                new TopicPartition(topic, 0), 4L, new TopicPartition(topic, 1), 5L, new TopicPartition(topic, 2), 6L);

        KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap(), Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.CLIENT_ID_CONFIG, "cgc-client"));
        try {
            consumer.subscribe(List.of(topic));
            int read = 0;
            long deadline = System.nanoTime() + REBALANCE.toNanos();
            while (read < 30 && System.nanoTime() < deadline) {
                read += consumer.poll(Duration.ofMillis(200)).count();
            }
            assertThat(read).as("records read by the group's member").isEqualTo(30);
            Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
            committed.forEach((tp, offset) -> commit.put(tp, new OffsetAndMetadata(offset)));
            consumer.commitSync(commit);
            String memberId = consumer.groupMetadata().memberId();

            Command.Result list = consumerGroups("--list");
            assertSucceeded(list);
            assertThat(list.stdoutLines()).as(list.describe()).contains(group);

            Command.Result describe = consumerGroups("--describe", "--group", group);
            assertSucceeded(describe);
            Map<Integer, List<String>> rows = describeRows(describe, group, topic);
            assertThat(rows.keySet()).as(describe.describe()).containsExactly(0, 1, 2);
            for (int p = 0; p < 3; p++) {
                long current = committed.get(new TopicPartition(topic, p));
                // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
                assertThat(rows.get(p).subList(3, 7)).as("partition %d in\n%s", p, describe.describe())
                        .containsExactly(Long.toString(current), "10", Long.toString(10 - current), memberId);
                assertThat(rows.get(p).get(8)).isEqualTo("cgc-client");
            }

            Command.Result refusedReset = consumerGroups("--reset-offsets", "--to-earliest", "--execute",
                    "--group", group, "--topic", topic);
            assertThat(refusedReset.stdout() + refusedReset.stderr()).as(refusedReset.describe())
                    .contains("Assignments can only be reset if the group '" + group
                            + "' is inactive, but the current state is Stable");
            assertThat(Groups.committed(BROKER.admin(), group)).as("offsets after the refused reset")
                    .isEqualTo(committed);

            Command.Result refusedDelete = consumerGroups("--delete", "--group", group);
            assertThat(refusedDelete.stdout() + refusedDelete.stderr()).as(refusedDelete.describe())
                    .contains("Deletion of some consumer groups failed").contains("GroupNotEmptyException");
            assertThat(Groups.isListed(BROKER.admin(), group)).as("group listed after the refused delete").isTrue();
        } finally {
            consumer.close();
        }
        Eventually.holds(Duration.ofSeconds(20), () -> assertThat(Groups.describe(BROKER.admin(), group).groupState())
                .as("state after its only member left").isEqualTo(GroupState.EMPTY));

        Command.Result reset = consumerGroups("--reset-offsets", "--to-earliest", "--execute",
                "--group", group, "--topic", topic);
        assertSucceeded(reset);
        for (int p = 0; p < 3; p++) {
            assertThat(reset.stdout()).as(reset.describe())
                    .containsPattern("(?m)^" + Pattern.quote(group) + "\\s+" + Pattern.quote(topic) + "\\s+" + p + "\\s+0\\s*$");
        }
        assertThat(Groups.committed(BROKER.admin(), group)).as("offsets after --reset-offsets --to-earliest").isEqualTo(
                Map.of(new TopicPartition(topic, 0), 0L, new TopicPartition(topic, 1), 0L,
                        new TopicPartition(topic, 2), 0L));

        Command.Result deleteOffsets = consumerGroups("--delete-offsets", "--group", group, "--topic", topic + ":0");
        assertSucceeded(deleteOffsets);
        assertThat(deleteOffsets.stdout()).as(deleteOffsets.describe())
                .contains("Request succeeded for deleting offsets from group " + group)
                .containsPattern("(?m)^" + Pattern.quote(topic) + "\\s+0\\s+Successful\\s*$");
        assertThat(Groups.committed(BROKER.admin(), group).keySet()).as("partitions with offsets after --delete-offsets")
                .containsExactly(new TopicPartition(topic, 1), new TopicPartition(topic, 2));

        Command.Result delete = consumerGroups("--delete", "--group", group);
        assertSucceeded(delete);
        assertThat(delete.stdout()).as(delete.describe())
                .contains("Deletion of requested consumer groups ('" + group + "') was successful.");
        assertThat(Groups.isListed(BROKER.admin(), group)).as("group listed after --delete").isFalse();
        assertThat(Groups.isGone(BROKER.admin(), group)).as("group described as gone after --delete").isTrue();
        assertThat(Groups.committed(BROKER.admin(), group)).as("offsets after --delete").isEmpty();
    }

    /**
     * Tributary's {@code consume --group}: two processes split six partitions, a third joining
     * rebalances to two each, and together they print every record exactly once.
     */
    @Test
    void tributaryConsumeCommandMembersSplitAndRebalance() {
        String topic = Clients.uniqueTopic("cmd-group");
        String group = Groups.uniqueGroup("cmd-group");
        Clients.createTopic(BROKER.admin(), topic, 6);
        List<BackgroundProcess> members = new ArrayList<>();
        try {
            members.add(startConsumeCommand("consume-1", topic, group));
            members.add(startConsumeCommand("consume-2", topic, group));
            awaitStableGroup(group, 2, 3, members.toArray(BackgroundProcess[]::new));
            List<String> firstBatch = Groups.produce(BROKER.bootstrap(), topic, 6, "cmd-first", 0, 60);
            Eventually.holds(Duration.ofSeconds(30), () -> assertThat(valuesPrinted(members, "cmd-first"))
                    .as("first batch printed by two consume --group processes").containsAll(firstBatch));

            members.add(startConsumeCommand("consume-3", topic, group));
            awaitStableGroup(group, 3, 2, members.toArray(BackgroundProcess[]::new));
            List<String> secondBatch = Groups.produce(BROKER.bootstrap(), topic, 6, "cmd-second", 60, 60);
            Eventually.holds(Duration.ofSeconds(30), () -> assertThat(valuesPrinted(members, "cmd-second"))
                    .as("second batch printed by three consume --group processes").containsAll(secondBatch));

            members.forEach(m -> m.stop(Duration.ofSeconds(10)));
            assertThat(valuesPrinted(members, "cmd-first")).as("first batch, all processes together")
                    .containsExactlyInAnyOrderElementsOf(firstBatch);
            assertThat(valuesPrinted(members, "cmd-second")).as("second batch, all processes together")
                    .containsExactlyInAnyOrderElementsOf(secondBatch);
            for (BackgroundProcess member : members) {
                assertThat(valuesPrinted(List.of(member), "cmd-second"))
                        .as("second-batch values printed by each process after the rebalance").hasSize(20);
            }
        } finally {
            members.forEach(BackgroundProcess::close);
        }
    }

    private static BackgroundProcess startConsumeCommand(String name, String topic, String group) {
        return BackgroundProcess.startTributary(name, "consume", "--bootstrap-server", BROKER.bootstrap(),
                "--topic", topic, "--group", group);
    }

    /** Waits until DescribeGroups shows the group Stable with {@code members} members owning {@code each} partitions each. */
    private static void awaitStableGroup(String group, int members, int each, BackgroundProcess... processes) {
        Eventually.holds(REBALANCE, () -> {
            for (BackgroundProcess process : processes) {
                if (!process.isAlive()) {
                    throw new ProcessDied(process.describe());
                }
            }
            ConsumerGroupDescription description = Groups.describe(BROKER.admin(), group);
            assertThat(description.groupState()).as("%s", description).isEqualTo(GroupState.STABLE);
            assertThat(description.members()).as("%s", description).hasSize(members)
                    .allSatisfy(m -> assertThat(m.assignment().topicPartitions()).hasSize(each));
        });
    }

    /** Not an AssertionError, so that {@link Eventually} gives up at once. */
    private static final class ProcessDied extends Error {
        private static final long serialVersionUID = 1L;

        ProcessDied(String description) {
            super("a group member exited: " + description);
        }
    }

    private static List<String> kcatGroupConsumer(String group, String topic) {
        // -u: unbuffered output, so lines arrive while kcat runs.
        return List.of("kcat", "-b", BROKER.bootstrap(), "-q", "-u", "-G", group,
                "-X", "auto.offset.reset=earliest",
                "-X", "heartbeat.interval.ms=500",
                "-X", "auto.commit.interval.ms=500",
                "-f", "%p %o %s\\n", topic);
    }

    /** Every occurrence of a value "prefix-N" in the output of the given processes. */
    private static List<String> valuesPrinted(List<BackgroundProcess> processes, String prefix) {
        Pattern value = Pattern.compile("\\b" + Pattern.quote(prefix) + "-\\d+\\b");
        List<String> values = new ArrayList<>();
        for (BackgroundProcess process : processes) {
            for (String line : process.lines()) {
                Matcher matcher = value.matcher(line);
                while (matcher.find()) {
                    values.add(matcher.group());
                }
            }
        }
        return values;
    }

    /** The --describe rows of one topic, by partition, split on whitespace. */
    private static Map<Integer, List<String>> describeRows(Command.Result describe, String group, String topic) {
        Map<Integer, List<String>> rows = new TreeMap<>();
        for (String line : describe.stdoutLines()) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length >= 9 && columns[0].equals(group) && columns[1].equals(topic)) {
                rows.put(Integer.parseInt(columns[2]), List.of(columns));
            }
        }
        return rows;
    }

    private static Command.Result consumerGroups(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "--bootstrap-server";
        all[1] = BROKER.bootstrap();
        System.arraycopy(args, 0, all, 2, args.length);
        return JavaMain.run(CONSUMER_GROUP_COMMAND, null, TOOL_TIMEOUT, all);
    }

    private static void assertSucceeded(Command.Result result) {
        assertThat(result.exitCode()).as(result.describe()).isZero();
    }
}
