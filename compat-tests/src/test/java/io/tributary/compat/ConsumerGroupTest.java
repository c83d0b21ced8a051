package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Java consumers in groups: partitions split between members, rebalances when members come and go
 * (eager, cooperative, static), at-least-once delivery around a member killed without leaving, and
 * committed offsets that survive the consumer and the broker.
 */
class ConsumerGroupTest {

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension("groups", Groups.BROKER_SETTINGS);

    private static final Duration REBALANCE = Duration.ofSeconds(45);

    /**
     * A and B split six partitions; C joins and all three rebalance to two each; C is killed with
     * SIGKILL after consuming records it never committed; after the session timeout A and B take its
     * partitions over from C's last commit. Every record is consumed, and the only records consumed
     * twice are those C consumed after its last commit (which must all be consumed again).
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void membersSplitPartitionsAndTakeOverFromAKilledMember() {
        String topic = Clients.uniqueTopic("split");
        String group = Groups.uniqueGroup("split");
        Clients.createTopic(BROKER.admin(), topic, 6);
        List<RecordingConsumer.Consumed> inProcess = new CopyOnWriteArrayList<>();
        List<String> produced = new ArrayList<>(Groups.produce(BROKER.bootstrap(), topic, 6, "first", 0, 600));

        try (RecordingConsumer a = RecordingConsumer.start("A", BROKER.bootstrap(), group, topic, Map.of(), inProcess);
                RecordingConsumer b = RecordingConsumer.start("B", BROKER.bootstrap(), group, topic, Map.of(), inProcess)) {
            Groups.awaitBalanced(REBALANCE, 6, Map.of(a, 3, b, 3));
            awaitConsumed(inProcess, produced, "A and B, before C joins");

            List<RecordingConsumer.Consumed> byC;
            Map<Integer, Long> cCommitted;
            try (BackgroundProcess c = BackgroundProcess.startJava("consumer-C",
                    ChildGroupConsumer.class.getName(), BROKER.bootstrap(), topic, group, "60")) {
                Eventually.holds(REBALANCE, () -> {
                    a.assertHealthy();
                    b.assertHealthy();
                    Set<Integer> cOwns = lastAssignment(c);
                    Set<Integer> union = new TreeSet<>(cOwns);
                    union.addAll(a.assignment());
                    union.addAll(b.assignment());
                    assertThat(List.of(a.assignment().size(), b.assignment().size(), cOwns.size()))
                            .as("partitions owned by A, B, C after C joined (%s %s, C=%s)", a, b, cOwns)
                            .containsExactly(2, 2, 2);
                    assertThat(union).hasSize(6);
                });
                Set<Integer> cPartitions = lastAssignment(c);

                List<String> second = Groups.produce(BROKER.bootstrap(), topic, 6, "second", 600, 600);
                produced.addAll(second);
                Eventually.holds(Duration.ofSeconds(60), () -> {
                    Set<String> seen = values(inProcess);
                    seen.addAll(values(parseRecords(c)));
                    assertThat(seen).as("second batch consumed by A, B and C (C: %s)", c.describe())
                            .containsAll(second);
                });
                c.awaitLine("commits-stopped"::equals, Duration.ofSeconds(10), "commits-stopped");
                byC = parseRecords(c);
                cCommitted = lastCommits(c);
                assertThat(byC).as("C consumed records after its last commit %s, so killing it leaves "
                        + "uncommitted work", cCommitted)
                        .anyMatch(r -> r.offset() >= cCommitted.getOrDefault(r.partition(), -1L));

                long killedAt = System.nanoTime();
                c.kill();
                byC = parseRecords(c);
                Groups.awaitBalanced(REBALANCE, 6, Map.of(a, 3, b, 3));
                long takeoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
                System.out.printf("group test: C's partitions %s reassigned %d ms after SIGKILL%n",
                        cPartitions, takeoverMs);
                assertThat(takeoverMs).as("C's partitions must stay with C until its session (6 s) expires")
                        .isGreaterThanOrEqualTo(4_000);
            }

            List<String> third = Groups.produce(BROKER.bootstrap(), topic, 6, "third", 1200, 600);
            produced.addAll(third);
            Set<String> uncommittedByC = byC.stream()
                    .filter(r -> r.offset() >= cCommitted.getOrDefault(r.partition(), -1L))
                    .map(RecordingConsumer.Consumed::value).collect(Collectors.toSet());
            Eventually.holds(Duration.ofSeconds(60), () -> {
                Set<String> seen = values(inProcess);
                assertThat(seen).as("third batch consumed by A and B").containsAll(third);
                assertThat(seen).as("records C consumed after its last commit %s are delivered again",
                        cCommitted).containsAll(uncommittedByC);
            });

            List<RecordingConsumer.Consumed> all = new ArrayList<>(inProcess);
            all.addAll(byC);
            assertThat(values(all)).as("every produced record consumed").containsAll(produced);
            Map<String, List<RecordingConsumer.Consumed>> byValue = all.stream()
                    .collect(Collectors.groupingBy(RecordingConsumer.Consumed::value));
            List<String> badDuplicates = new ArrayList<>();
            byValue.forEach((value, times) -> {
                if (times.size() > 1 && !(times.size() == 2 && uncommittedByC.contains(value))) {
                    badDuplicates.add(value + " " + times);
                }
            });
            assertThat(badDuplicates)
                    .as("records consumed more than once other than C's uncommitted ones (C's commits %s; "
                            + "commit failures A %s, B %s)", cCommitted, a.commitFailures(), b.commitFailures())
                    .isEmpty();
        }
    }

    /** With CooperativeStickyAssignor a joining member takes partitions without the others giving up the rest. */
    @Test
    void cooperativeStickyRebalanceRevokesOnlyThePartitionsThatMove() {
        String topic = Clients.uniqueTopic("coop");
        String group = Groups.uniqueGroup("coop");
        Clients.createTopic(BROKER.admin(), topic, 6);
        Map<String, Object> cooperative = Map.of(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                CooperativeStickyAssignor.class.getName());
        List<RecordingConsumer.Consumed> consumed = new CopyOnWriteArrayList<>();
        List<String> produced = new ArrayList<>(Groups.produce(BROKER.bootstrap(), topic, 6, "coop", 0, 60));

        try (RecordingConsumer a = RecordingConsumer.start("A", BROKER.bootstrap(), group, topic, cooperative, consumed);
                RecordingConsumer b = RecordingConsumer.start("B", BROKER.bootstrap(), group, topic, cooperative,
                        consumed)) {
            Groups.awaitBalanced(REBALANCE, 6, Map.of(a, 3, b, 3));
            awaitConsumed(consumed, produced, "A and B");
            Set<Integer> aBefore = a.assignment();
            Set<Integer> bBefore = b.assignment();
            int aRevocations = a.revokedEvents().size();
            int bRevocations = b.revokedEvents().size();

            try (RecordingConsumer c = RecordingConsumer.start("C", BROKER.bootstrap(), group, topic, cooperative,
                    consumed)) {
                Groups.awaitBalanced(REBALANCE, 6, Map.of(a, 2, b, 2, c, 2));
                assertThat(aBefore).as("A keeps two of its partitions").containsAll(a.assignment());
                assertThat(bBefore).as("B keeps two of its partitions").containsAll(b.assignment());
                assertThat(revokedSince(a, aRevocations)).as("A revoked only what moved to C")
                        .isEqualTo(difference(aBefore, a.assignment()));
                assertThat(revokedSince(b, bRevocations)).as("B revoked only what moved to C")
                        .isEqualTo(difference(bBefore, b.assignment()));
                Set<Integer> moved = difference(aBefore, a.assignment());
                moved.addAll(difference(bBefore, b.assignment()));
                assertThat(c.assignment()).isEqualTo(moved);
                assertThat(a.lostEvents()).isEmpty();
                assertThat(b.lostEvents()).isEmpty();

                ConsumerGroupDescription description = Groups.describe(BROKER.admin(), group);
                assertThat(description.partitionAssignor()).isEqualTo("cooperative-sticky");
                assertThat(description.groupState()).isEqualTo(GroupState.STABLE);
                assertThat(description.members()).hasSize(3);

                List<String> more = Groups.produce(BROKER.bootstrap(), topic, 6, "coop", 60, 60);
                produced.addAll(more);
                awaitConsumed(consumed, produced, "A, B and C");
                assertNoDuplicates(consumed);
            }
        }
    }

    /** A static member (group.instance.id) that restarts within its session timeout gets its partitions back without a rebalance. */
    @Test
    void staticMemberRestartsWithoutRebalance() throws IOException {
        String topic = Clients.uniqueTopic("static");
        String group = Groups.uniqueGroup("static");
        Clients.createTopic(BROKER.admin(), topic, 6);
        List<RecordingConsumer.Consumed> consumed = new CopyOnWriteArrayList<>();
        List<String> produced = new ArrayList<>(Groups.produce(BROKER.bootstrap(), topic, 6, "static", 0, 60));

        try (RecordingConsumer b = RecordingConsumer.start("B", BROKER.bootstrap(), group, topic, staticMember("static-b"),
                consumed)) {
            RecordingConsumer a = RecordingConsumer.start("A", BROKER.bootstrap(), group, topic, staticMember("static-a"),
                    consumed);
            Set<Integer> aPartitions;
            String oldMemberId;
            int generation;
            try {
                Groups.awaitBalanced(REBALANCE, 6, Map.of(a, 3, b, 3));
                awaitConsumed(consumed, produced, "A and B");
                aPartitions = a.assignment();
                oldMemberId = a.memberId();
                generation = b.generation();
                assertThat(a.generation()).isEqualTo(generation);
            } finally {
                a.close();
            }
            int bAssigned = b.assignedEvents().size();
            int bRevoked = b.revokedEvents().size();

            try (RecordingConsumer restarted = RecordingConsumer.start("A-restarted", BROKER.bootstrap(), group, topic,
                    staticMember("static-a"), consumed)) {
                Eventually.holds(Duration.ofSeconds(15), () -> {
                    restarted.assertHealthy();
                    assertThat(restarted.assignment()).as("the restarted static member's partitions")
                            .isEqualTo(aPartitions);
                });
                assertThat(restarted.generation()).as("generation after the static member came back")
                        .isEqualTo(generation);
                assertThat(restarted.memberId()).isNotEqualTo(oldMemberId);
                BrokerProcess.sleep(Duration.ofSeconds(2));
                assertThat(b.generation()).as("B's generation").isEqualTo(generation);
                assertThat(b.assignedEvents()).as("B saw no new assignment").hasSize(bAssigned);
                assertThat(b.revokedEvents()).as("B gave up no partition").hasSize(bRevoked);

                ConsumerGroupDescription description = Groups.describe(BROKER.admin(), group);
                assertThat(description.groupState()).isEqualTo(GroupState.STABLE);
                assertThat(description.members()).extracting(m -> m.groupInstanceId().orElse(""))
                        .containsExactlyInAnyOrder("static-a", "static-b");
                MemberDescription aMember = description.members().stream()
                        .filter(m -> m.groupInstanceId().equals(java.util.Optional.of("static-a")))
                        .findFirst().orElseThrow();
                assertThat(aMember.consumerId()).isEqualTo(restarted.memberId());
                assertThat(partitionsOf(aMember)).isEqualTo(aPartitions);

                try (CoordinatorConnection coordinator = CoordinatorConnection.forGroup(BROKER.broker(), group)) {
                    HeartbeatResponse fenced = coordinator.call(new HeartbeatRequest.Builder(new HeartbeatRequestData()
                            .setGroupId(group).setGenerationId(generation).setMemberId(oldMemberId)
                            .setGroupInstanceId("static-a")));
                    assertThat(fenced.error()).as("heartbeat from the replaced member id of static-a")
                            .isEqualTo(Errors.FENCED_INSTANCE_ID);
                }

                List<String> more = Groups.produce(BROKER.bootstrap(), topic, 6, "static", 60, 60);
                produced.addAll(more);
                awaitConsumed(consumed, produced, "restarted A and B");
                assertNoDuplicates(consumed);
                assertThat(b.generation()).isEqualTo(generation);
            }
        }
    }

    /** A consumer that committed, stopped and came back resumes exactly at the committed offsets (with their metadata). */
    @Test
    void consumerResumesAtCommittedOffsets() {
        String topic = Clients.uniqueTopic("resume");
        String group = Groups.uniqueGroup("resume");
        Clients.createTopic(BROKER.admin(), topic, 2);
        Groups.produce(BROKER.bootstrap(), topic, 2, "resume", 0, 100);
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);

        try (KafkaConsumer<byte[], byte[]> first = groupConsumer(group)) {
            first.subscribe(List.of(topic));
            pollUntil(first, 100);
            first.commitSync(Map.of(p0, new OffsetAndMetadata(20, "after-20"), p1, new OffsetAndMetadata(35, "after-35")));
        }

        try (KafkaConsumer<byte[], byte[]> second = groupConsumer(group)) {
            second.subscribe(List.of(topic));
            List<ConsumerRecord<byte[], byte[]>> records = pollUntil(second, 30 + 15);
            Map<Integer, Long> firstOffset = new TreeMap<>();
            for (ConsumerRecord<byte[], byte[]> record : records) {
                firstOffset.merge(record.partition(), record.offset(), Math::min);
            }
            assertThat(firstOffset).as("first offset read per partition after the restart")
                    .containsExactlyEntriesOf(new TreeMap<>(Map.of(0, 20L, 1, 35L)));
            assertThat(records).as("records read after the restart").hasSize(45);
            Map<TopicPartition, OffsetAndMetadata> committed = second.committed(Set.of(p0, p1));
            assertThat(committed.get(p0)).isEqualTo(new OffsetAndMetadata(20, "after-20"));
            assertThat(committed.get(p1)).isEqualTo(new OffsetAndMetadata(35, "after-35"));
        }
    }

    /**
     * After a broker restart on the same data: an empty group's offsets and metadata are there, and
     * a stable group's member carries on with the same member id and generation (no rebalance).
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void brokerRestartKeepsOffsetsAndGroupState() {
        String topic = Clients.uniqueTopic("durable");
        String emptyGroup = Groups.uniqueGroup("durable-empty");
        String activeGroup = Groups.uniqueGroup("durable-active");
        Clients.createTopic(BROKER.admin(), topic, 2);
        List<String> produced = new ArrayList<>(Groups.produce(BROKER.bootstrap(), topic, 2, "durable", 0, 40));
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);

        try (KafkaConsumer<byte[], byte[]> consumer = groupConsumer(emptyGroup)) {
            consumer.subscribe(List.of(topic));
            pollUntil(consumer, 40);
            consumer.commitSync(Map.of(p0, new OffsetAndMetadata(7, "seven"), p1, new OffsetAndMetadata(9, "nine")));
        }

        List<RecordingConsumer.Consumed> consumed = new CopyOnWriteArrayList<>();
        try (RecordingConsumer member = RecordingConsumer.start("survivor", BROKER.bootstrap(), activeGroup, topic,
                Map.of(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "30000",
                        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000"), consumed)) {
            Groups.awaitBalanced(REBALANCE, 2, Map.of(member, 2));
            awaitConsumed(consumed, produced, "the active group's member");
            Eventually.holds(Duration.ofSeconds(10), () -> assertThat(Groups.committed(BROKER.admin(), activeGroup))
                    .isEqualTo(Map.of(p0, 20L, p1, 20L)));
            String memberId = member.memberId();
            int generation = member.generation();

            BROKER.broker().restart();

            try (Admin after = Clients.admin(BROKER.bootstrap())) {
                Map<TopicPartition, OffsetAndMetadata> offsets =
                        Clients.await(after.listConsumerGroupOffsets(emptyGroup).partitionsToOffsetAndMetadata());
                assertThat(offsets).as("the empty group's offsets after the restart").containsOnlyKeys(p0, p1);
                assertThat(offsets.get(p0)).isEqualTo(new OffsetAndMetadata(7, "seven"));
                assertThat(offsets.get(p1)).isEqualTo(new OffsetAndMetadata(9, "nine"));
                assertThat(Groups.describe(after, emptyGroup).groupState()).isEqualTo(GroupState.EMPTY);
                assertThat(Groups.isListed(after, emptyGroup)).as("empty group listed after the restart").isTrue();

                assertThat(Groups.committed(after, activeGroup)).as("the active group's offsets after the restart")
                        .isEqualTo(Map.of(p0, 20L, p1, 20L));
                List<String> more = Groups.produce(BROKER.bootstrap(), topic, 2, "durable", 40, 10);
                produced.addAll(more);
                awaitConsumed(consumed, produced, "the active group's member after the restart");
                assertNoDuplicates(consumed);
                Eventually.holds(Duration.ofSeconds(20), () -> {
                    ConsumerGroupDescription description = Groups.describe(after, activeGroup);
                    assertThat(description.groupState()).isEqualTo(GroupState.STABLE);
                    assertThat(description.members()).extracting(MemberDescription::consumerId)
                            .as("members of the active group after the restart").containsExactly(memberId);
                });
                // The member keeps its id and its partitions. While the only broker is down the client
                // re-bootstraps its metadata; if it polls in that window it sees its topic without
                // partitions and rejoins once (a client of a slowly restarting Kafka broker does the same),
                // so the generation may move on by that one rebalance, never more.
                assertThat(member.memberId()).as("member id after the restart").isEqualTo(memberId);
                assertThat(member.generation()).as("generation after the restart").isBetween(generation, generation + 1);
                assertThat(member.lostEvents()).as("the member lost no partition").isEmpty();
            }
        }
    }

    private static Map<String, Object> staticMember(String instanceId) {
        return Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "20000");
    }

    private static KafkaConsumer<byte[], byte[]> groupConsumer(String group) {
        return Clients.consumer(BROKER.bootstrap(), Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500"));
    }

    private static List<ConsumerRecord<byte[], byte[]>> pollUntil(KafkaConsumer<byte[], byte[]> consumer, int count) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (records.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + records.size() + " of " + count + " records within 60 s");
            }
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }

    private static void awaitConsumed(List<RecordingConsumer.Consumed> consumed, List<String> values, String by) {
        Eventually.holds(Duration.ofSeconds(60), () -> {
            Set<String> seen = values(consumed);
            List<String> missing = values.stream().filter(v -> !seen.contains(v)).limit(20).toList();
            assertThat(missing).as("records not yet consumed by %s", by).isEmpty();
        });
    }

    private static void assertNoDuplicates(List<RecordingConsumer.Consumed> consumed) {
        Map<String, List<RecordingConsumer.Consumed>> byValue = consumed.stream()
                .collect(Collectors.groupingBy(RecordingConsumer.Consumed::value));
        List<String> duplicates = byValue.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .map(e -> e.getKey() + " " + e.getValue()).limit(20).toList();
        assertThat(duplicates).as("records consumed more than once").isEmpty();
    }

    private static Set<String> values(List<RecordingConsumer.Consumed> consumed) {
        Set<String> values = new HashSet<>();
        consumed.forEach(r -> values.add(r.value()));
        return values;
    }

    private static Set<Integer> revokedSince(RecordingConsumer member, int from) {
        List<Set<Integer>> events = member.revokedEvents();
        Set<Integer> revoked = new TreeSet<>();
        events.subList(from, events.size()).forEach(revoked::addAll);
        return revoked;
    }

    private static Set<Integer> difference(Set<Integer> a, Set<Integer> b) {
        Set<Integer> result = new TreeSet<>(a);
        result.removeAll(b);
        return result;
    }

    private static Set<Integer> partitionsOf(MemberDescription member) {
        return member.assignment().topicPartitions().stream().map(TopicPartition::partition)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The child consumer's last reported assignment ("assigned 1,4"); empty before its first one. */
    private static Set<Integer> lastAssignment(BackgroundProcess child) {
        Set<Integer> current = Set.of();
        for (String line : child.lines()) {
            if (line.startsWith("assigned")) {
                String list = line.substring("assigned".length()).trim();
                current = list.isEmpty() ? Set.of() : java.util.Arrays.stream(list.split(","))
                        .map(Integer::valueOf).collect(Collectors.toCollection(TreeSet::new));
            } else if (line.startsWith("revoked")) {
                current = Set.of();
            }
        }
        return current;
    }

    private static List<RecordingConsumer.Consumed> parseRecords(BackgroundProcess child) {
        List<RecordingConsumer.Consumed> records = new ArrayList<>();
        for (String line : child.lines()) {
            if (line.startsWith("record ")) {
                String[] parts = line.split(" ", 4);
                records.add(new RecordingConsumer.Consumed("C", Integer.parseInt(parts[1]), Long.parseLong(parts[2]),
                        parts[3]));
            }
        }
        return records;
    }

    /** The child consumer's last acknowledged commit per partition. */
    private static Map<Integer, Long> lastCommits(BackgroundProcess child) {
        Map<Integer, Long> commits = new HashMap<>();
        for (String line : child.lines()) {
            if (line.startsWith("committed ")) {
                for (String entry : line.substring("committed ".length()).split(",")) {
                    String[] kv = entry.split("=");
                    commits.put(Integer.valueOf(kv[0]), Long.valueOf(kv[1]));
                }
            }
        }
        return commits;
    }
}
