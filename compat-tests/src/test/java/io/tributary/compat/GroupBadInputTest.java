package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Group requests no well-behaved client sends, written over a raw connection to the group's
 * coordinator: each gets Kafka's error code, and afterwards the group is intact (its committed
 * offsets unchanged, a normal consumer joins it and resumes there), also after a broker restart.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GroupBadInputTest {

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension("group-bad-input", Groups.BROKER_SETTINGS);

    private static final int PARTITIONS = 2;
    private static final int RECORDS_PER_PARTITION = 10;

    private static String topic;
    private static TopicPartition p0;
    private static TopicPartition p1;
    /** Every group a test touched, with the offsets it must still have at the end. */
    private static final Map<String, Map<TopicPartition, Long>> EXPECTED = new ConcurrentHashMap<>();

    @BeforeAll
    static void setUp() {
        topic = Clients.uniqueTopic("group-bad-input");
        Clients.createTopic(BROKER.admin(), topic, PARTITIONS);
        Groups.produce(BROKER.bootstrap(), topic, PARTITIONS, "bad", 0, PARTITIONS * RECORDS_PER_PARTITION);
        p0 = new TopicPartition(topic, 0);
        p1 = new TopicPartition(topic, 1);
    }

    /** Kafka answers INCONSISTENT_GROUP_PROTOCOL to a JoinGroup offering no protocol, for an existing group and a new one. */
    @Test
    @Order(1)
    void joinGroupWithoutProtocolsIsInconsistentGroupProtocol() throws IOException {
        String group = preparedGroup("no-protocols");
        try (CoordinatorConnection coordinator = CoordinatorConnection.forGroup(BROKER.broker(), group)) {
            JoinGroupResponse existing = coordinator.call(join(group, "", new JoinGroupRequestProtocolCollection()));
            assertThat(existing.error()).as("JoinGroup without protocols to group %s", group)
                    .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
            assertThat(coordinator.stillAnswers()).isTrue();
        }
        String fresh = Groups.uniqueGroup("no-protocols-new");
        try (CoordinatorConnection coordinator = CoordinatorConnection.forGroup(BROKER.broker(), fresh)) {
            JoinGroupResponse created = coordinator.call(join(fresh, "", new JoinGroupRequestProtocolCollection()));
            assertThat(created.error()).as("JoinGroup without protocols to a new group")
                    .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
        }
        assertGroupIntact(group);
    }

    /**
     * Kafka has no limit on the number of protocols or the size of their metadata below the
     * request size limit: Kafka 4.4 accepts both JoinGroups here and selects a protocol; the
     * SyncGroup after the 2 MB one fails with UNKNOWN_SERVER_ERROR as the group record would exceed
     * the largest batch. A broker may instead refuse the JoinGroup with an error code; either way it
     * must answer, keep the connection and leave the group usable, also after a restart.
     */
    @Test
    @Order(2)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void joinGroupWithOversizedProtocolListIsAnsweredAndHarmless() throws IOException {
        String group = preparedGroup("many-protocols");
        JoinGroupRequestProtocolCollection many = new JoinGroupRequestProtocolCollection();
        for (int i = 0; i < 2_000; i++) {
            many.add(new JoinGroupRequestProtocol().setName(String.format("proto-%04d", i)).setMetadata(filled(512, i)));
        }
        joinSyncAndLeave(group, many, 512);
        assertGroupIntact(group);

        String hugeGroup = preparedGroup("huge-metadata");
        JoinGroupRequestProtocolCollection huge = new JoinGroupRequestProtocolCollection();
        huge.add(new JoinGroupRequestProtocol().setName("huge").setMetadata(filled(2 * 1024 * 1024, 7)));
        joinSyncAndLeave(hugeGroup, huge, 2 * 1024 * 1024);
        assertGroupIntact(hugeGroup);
    }

    /**
     * SyncGroup and Heartbeat from a member the group does not have, and SyncGroup to a group that
     * does not exist: UNKNOWN_MEMBER_ID. The group's real member is undisturbed.
     */
    @Test
    @Order(3)
    void syncGroupFromUnknownMemberIsUnknownMemberId() throws IOException {
        String group = Groups.uniqueGroup("unknown-member");
        List<RecordingConsumer.Consumed> consumed = new CopyOnWriteArrayList<>();
        Map<TopicPartition, Long> finalOffsets;
        try (RecordingConsumer member = RecordingConsumer.start("member", BROKER.bootstrap(), group, topic, Map.of(),
                consumed)) {
            Groups.awaitBalanced(Duration.ofSeconds(45), PARTITIONS, Map.of(member, PARTITIONS));
            Eventually.holds(Duration.ofSeconds(30), () -> assertThat(member.committed())
                    .isEqualTo(Map.of(0, (long) RECORDS_PER_PARTITION, 1, (long) RECORDS_PER_PARTITION)));
            int generation = member.generation();
            int assignedEvents = member.assignedEvents().size();

            try (CoordinatorConnection coordinator = CoordinatorConnection.forGroup(BROKER.broker(), group)) {
                SyncGroupResponse sync = coordinator.call(new SyncGroupRequest.Builder(new SyncGroupRequestData()
                        .setGroupId(group).setGenerationId(generation).setMemberId("no-such-member")
                        .setProtocolType("consumer").setProtocolName("range")
                        .setAssignments(List.of(new SyncGroupRequestData.SyncGroupRequestAssignment()
                                .setMemberId("no-such-member").setAssignment(new byte[0])))));
                assertThat(sync.error()).as("SyncGroup from an unknown member").isEqualTo(Errors.UNKNOWN_MEMBER_ID);

                HeartbeatResponse heartbeat = coordinator.call(new HeartbeatRequest.Builder(new HeartbeatRequestData()
                        .setGroupId(group).setGenerationId(generation).setMemberId("no-such-member")));
                assertThat(heartbeat.error()).as("Heartbeat from an unknown member").isEqualTo(Errors.UNKNOWN_MEMBER_ID);

                String missing = Groups.uniqueGroup("no-such-group");
                SyncGroupResponse noGroup = coordinator.call(new SyncGroupRequest.Builder(new SyncGroupRequestData()
                        .setGroupId(missing).setGenerationId(1).setMemberId("no-such-member")
                        .setProtocolType("consumer").setProtocolName("range").setAssignments(List.of())));
                assertThat(noGroup.error()).as("SyncGroup to a group that does not exist")
                        .isEqualTo(Errors.UNKNOWN_MEMBER_ID);

            }

            List<String> more = Groups.produce(BROKER.bootstrap(), topic, PARTITIONS, "bad-more", 100, 10);
            Eventually.holds(Duration.ofSeconds(30), () -> assertThat(consumed).extracting(RecordingConsumer.Consumed::value)
                    .as("records the real member consumed after the bad requests").containsAll(more));
            Eventually.holds(Duration.ofSeconds(30), () -> assertThat(member.committed())
                    .isEqualTo(Map.of(0, RECORDS_PER_PARTITION + 5L, 1, RECORDS_PER_PARTITION + 5L)));
            assertThat(member.generation()).as("the real member's generation").isEqualTo(generation);
            assertThat(member.assignedEvents()).as("the real member saw no rebalance").hasSize(assignedEvents);
            assertThat(member.revokedEvents()).isEmpty();
            finalOffsets = Map.of(p0, RECORDS_PER_PARTITION + 5L, p1, RECORDS_PER_PARTITION + 5L);

            try (CoordinatorConnection coordinator = CoordinatorConnection.forGroup(BROKER.broker(), group)) {
                if (coordinator.version(ApiKeys.SYNC_GROUP, ApiKeys.SYNC_GROUP.latestVersion()) >= 5) {
                    // From v5 the protocol type and name are mandatory; Kafka checks that before the member.
                    SyncGroupResponse unnamed = coordinator.call(new SyncGroupRequest.Builder(new SyncGroupRequestData()
                            .setGroupId(group).setGenerationId(generation).setMemberId("no-such-member")
                            .setAssignments(List.of())));
                    assertThat(unnamed.error()).as("SyncGroup v5+ without protocol type and name")
                            .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
                }
            }
        }
        EXPECTED.put(group, finalOffsets);
        assertGroupIntact(group);
    }

    /**
     * OffsetCommit naming a topic that does not exist and a partition the topic does not have:
     * UNKNOWN_TOPIC_OR_PARTITION for those, while the valid partition of the same request is committed.
     */
    @Test
    @Order(4)
    void offsetCommitForUnknownTopicOrPartitionIsRejectedPerPartition() throws IOException {
        String group = preparedGroup("unknown-topic");
        String missingTopic = Clients.uniqueTopic("no-such-topic");
        try (CoordinatorConnection coordinator = CoordinatorConnection.forGroup(BROKER.broker(), group)) {
            OffsetCommitRequestData data = new OffsetCommitRequestData()
                    .setGroupId(group).setGenerationIdOrMemberEpoch(-1).setMemberId("")
                    .setTopics(List.of(
                            new OffsetCommitRequestTopic().setName(missingTopic).setPartitions(List.of(
                                    commitPartition(0, 5))),
                            new OffsetCommitRequestTopic().setName(topic).setPartitions(List.of(
                                    commitPartition(0, 6), commitPartition(PARTITIONS + 5, 5)))));
            OffsetCommitResponse response = coordinator.call(OffsetCommitRequest.Builder.forTopicNames(data));
            Map<String, Errors> errors = new HashMap<>();
            response.data().topics().forEach(t -> t.partitions().forEach(p ->
                    errors.put(t.name() + "-" + p.partitionIndex(), Errors.forCode(p.errorCode()))));
            assertThat(errors).as("per-partition answers to OffsetCommit").isEqualTo(Map.of(
                    missingTopic + "-0", Errors.UNKNOWN_TOPIC_OR_PARTITION,
                    topic + "-0", Errors.NONE,
                    topic + "-" + (PARTITIONS + 5), Errors.UNKNOWN_TOPIC_OR_PARTITION));
            assertThat(coordinator.stillAnswers()).isTrue();
        }
        EXPECTED.put(group, Map.of(p0, 6L, p1, 4L));

        Map<TopicPartition, OffsetAndMetadata> bogus = Clients.await(BROKER.admin().listConsumerGroupOffsets(Map.of(group,
                new ListConsumerGroupOffsetsSpec().topicPartitions(List.of(new TopicPartition(missingTopic, 0),
                        new TopicPartition(topic, PARTITIONS + 5))))).partitionsToOffsetAndMetadata(group));
        assertThat(bogus.values()).as("offsets fetched for the rejected partitions").containsOnlyNulls();
        assertGroupIntact(group);
    }

    /** Everything above, read back after a restart: the coordinator's records replay to the same groups. */
    @Test
    @Order(5)
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void groupsAreIntactAfterABrokerRestart() {
        assertThat(EXPECTED).as("groups left by the earlier tests").isNotEmpty();
        BROKER.broker().restart();
        try (Admin after = Clients.admin(BROKER.bootstrap())) {
            EXPECTED.forEach((group, offsets) -> assertThat(Groups.committed(after, group))
                    .as("offsets of group %s after the restart", group).isEqualTo(offsets));
        }
        for (String group : EXPECTED.keySet()) {
            assertGroupIntact(group);
        }
    }

    /** A group whose only member committed p0=3, p1=4 and left. */
    private static String preparedGroup(String prefix) {
        String group = Groups.uniqueGroup(prefix);
        try (KafkaConsumer<byte[], byte[]> consumer = groupConsumer(group)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
            while (consumer.assignment().size() < PARTITIONS) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("consumer of group " + group + " got no assignment within 45 s");
                }
                consumer.poll(Duration.ofMillis(100));
            }
            consumer.commitSync(Map.of(p0, new OffsetAndMetadata(3), p1, new OffsetAndMetadata(4)));
        }
        EXPECTED.put(group, Map.of(p0, 3L, p1, 4L));
        return group;
    }

    /**
     * The group has its expected offsets and no members left over, and a normal consumer joins it,
     * gets every partition and reads from exactly those offsets (without committing).
     */
    private static void assertGroupIntact(String group) {
        Map<TopicPartition, Long> expected = EXPECTED.get(group);
        assertThat(Groups.committed(BROKER.admin(), group)).as("committed offsets of group %s", group).isEqualTo(expected);
        Eventually.holds(Duration.ofSeconds(30), () -> assertThat(Groups.describe(BROKER.admin(), group).groupState())
                .as("state of group %s", group).isEqualTo(GroupState.EMPTY));

        Map<TopicPartition, Long> end = Groups.endOffsets(BROKER.admin(), topic, PARTITIONS);
        long expectedRecords = 0;
        for (TopicPartition tp : Clients.partitions(topic, PARTITIONS)) {
            expectedRecords += end.get(tp) - expected.get(tp);
        }
        try (KafkaConsumer<byte[], byte[]> consumer = groupConsumer(group)) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
            while (records.size() < expectedRecords || consumer.assignment().size() < PARTITIONS) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("a consumer in group " + group + " read " + records.size() + " of "
                            + expectedRecords + " records within 45 s; assignment " + consumer.assignment());
                }
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
            Map<TopicPartition, Long> start = new HashMap<>();
            records.forEach(r -> start.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min));
            // A partition with nothing left to read starts where its position is.
            for (TopicPartition tp : Clients.partitions(topic, PARTITIONS)) {
                start.putIfAbsent(tp, consumer.position(tp));
            }
            assertThat(start).as("where a new member of group %s starts reading", group).isEqualTo(expected);
        }
    }

    private static KafkaConsumer<byte[], byte[]> groupConsumer(String group) {
        return Clients.consumer(BROKER.bootstrap(), Map.of(ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500"));
    }

    /**
     * Joins with the given protocols (first without a member id, as clients do since KIP-394) and,
     * if the broker accepts, completes the generation with SyncGroup and leaves again.
     */
    private static void joinSyncAndLeave(String group, JoinGroupRequestProtocolCollection protocols, int metadataSize)
            throws IOException {
        try (CoordinatorConnection coordinator = CoordinatorConnection.forGroup(BROKER.broker(), group)) {
            JoinGroupResponse joined = coordinator.call(join(group, "", protocols));
            if (joined.error() == Errors.MEMBER_ID_REQUIRED) {
                assertThat(joined.data().memberId()).as("member id handed out with MEMBER_ID_REQUIRED").isNotEmpty();
                joined = coordinator.call(join(group, joined.data().memberId(), protocols));
            }
            System.out.printf("group bad input: JoinGroup with %d protocol(s) of %d bytes: %s%n",
                    protocols.size(), metadataSize, joined.error());
            assertThat(coordinator.stillAnswers()).as("connection after the JoinGroup").isTrue();
            if (joined.error() != Errors.NONE) {
                assertThat(joined.error()).as("a refused oversized JoinGroup").isNotEqualTo(Errors.UNKNOWN_SERVER_ERROR);
                return;
            }
            String memberId = joined.data().memberId();
            assertThat(joined.data().leader()).as("leader of a group with one member").isEqualTo(memberId);
            assertThat(joined.data().generationId()).isPositive();
            assertThat(protocols.find(joined.data().protocolName())).as("selected protocol %s is one offered",
                    joined.data().protocolName()).isNotNull();
            assertThat(joined.data().members()).singleElement().satisfies(m -> {
                assertThat(m.memberId()).isEqualTo(memberId);
                assertThat(m.metadata()).hasSize(metadataSize);
            });

            SyncGroupResponse synced = coordinator.call(new SyncGroupRequest.Builder(new SyncGroupRequestData()
                    .setGroupId(group).setGenerationId(joined.data().generationId()).setMemberId(memberId)
                    .setProtocolType("consumer").setProtocolName(joined.data().protocolName())
                    .setAssignments(List.of(new SyncGroupRequestData.SyncGroupRequestAssignment()
                            .setMemberId(memberId).setAssignment(new byte[0])))));
            System.out.printf("group bad input: SyncGroup after it: %s%n", synced.error());
            LeaveGroupResponse left = coordinator.call(new LeaveGroupRequest.Builder(group,
                    List.of(new MemberIdentity().setMemberId(memberId))));
            System.out.printf("group bad input: LeaveGroup after it: %s%n", left.error());

            // Kafka answers UNKNOWN_SERVER_ERROR when the group record is too large to write. Errors
            // that say the coordinator moved would send a real client rediscovering it in a loop.
            assertThat(synced.error()).as("SyncGroup completing a generation with %d bytes of metadata", metadataSize)
                    .isIn(Errors.NONE, Errors.UNKNOWN_SERVER_ERROR, Errors.MESSAGE_TOO_LARGE, Errors.RECORD_LIST_TOO_LARGE);
            assertThat(left.error()).as("LeaveGroup of the raw member").isIn(Errors.NONE, Errors.UNKNOWN_MEMBER_ID);
            assertThat(coordinator.stillAnswers()).as("connection after SyncGroup and LeaveGroup").isTrue();
        }
    }

    private static JoinGroupRequest.Builder join(String group, String memberId, JoinGroupRequestProtocolCollection protocols) {
        // The collection links its elements, so each request gets copies.
        JoinGroupRequestProtocolCollection copy = new JoinGroupRequestProtocolCollection(protocols.size());
        protocols.forEach(p -> copy.add(p.duplicate()));
        return new JoinGroupRequest.Builder(new JoinGroupRequestData()
                .setGroupId(group).setMemberId(memberId).setProtocolType("consumer")
                .setSessionTimeoutMs(10_000).setRebalanceTimeoutMs(10_000)
                .setProtocols(copy));
    }

    private static OffsetCommitRequestPartition commitPartition(int partition, long offset) {
        return new OffsetCommitRequestPartition().setPartitionIndex(partition).setCommittedOffset(offset)
                .setCommittedMetadata("");
    }

    private static byte[] filled(int size, int seed) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (seed + i);
        }
        return bytes;
    }
}
