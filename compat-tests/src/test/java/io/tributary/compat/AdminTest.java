package io.tributary.compat;

import static io.tributary.compat.Clients.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Admin API of kafka-clients against one broker: topics, configs, partitions, offsets. */
class AdminTest {

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension("admin");

    private static final String WEEK_MS = "604800000";

    @Test
    void describeClusterNamesTheOneBroker() {
        var cluster = BROKER.admin().describeCluster();
        Collection<Node> nodes = await(cluster.nodes());
        assertThat(nodes).singleElement().satisfies(node -> {
            assertThat(node.id()).isEqualTo(BROKER.broker().nodeId());
            assertThat(node.host()).isEqualTo("127.0.0.1");
            assertThat(node.port()).isEqualTo(BROKER.broker().port());
        });
        assertThat(await(cluster.clusterId())).isNotBlank();
    }

    @Test
    void createDescribeListAndDeleteTopics() {
        String byName = Clients.uniqueTopic("admin-lifecycle");
        String byId = Clients.uniqueTopic("admin-lifecycle-id");
        String validateOnly = Clients.uniqueTopic("admin-validate-only");

        await(BROKER.admin().createTopics(List.of(new NewTopic(validateOnly, 2, (short) 1)),
                new CreateTopicsOptions().validateOnly(true)).all());
        await(BROKER.admin().createTopics(List.of(new NewTopic(byName, 3, (short) 1), new NewTopic(byId, 1, (short) 1)))
                .all());
        Eventually.holds(Duration.ofSeconds(30), () ->
                assertThat(await(BROKER.admin().listTopics().names())).contains(byName, byId));
        assertThat(await(BROKER.admin().listTopics().names())).doesNotContain(validateOnly);

        TopicDescription description = describeTopic(byName);
        assertThat(description.name()).isEqualTo(byName);
        assertThat(description.isInternal()).isFalse();
        assertThat(description.topicId()).isNotEqualTo(Uuid.ZERO_UUID);
        assertThat(description.partitions()).hasSize(3);
        for (int p = 0; p < 3; p++) {
            TopicPartitionInfo partition = description.partitions().get(p);
            assertThat(partition.partition()).isEqualTo(p);
            assertThat(partition.leader().id()).isEqualTo(BROKER.broker().nodeId());
            assertThat(partition.replicas()).extracting(Node::id).containsExactly(BROKER.broker().nodeId());
            assertThat(partition.isr()).extracting(Node::id).containsExactly(BROKER.broker().nodeId());
        }

        Uuid id = describeTopic(byId).topicId();
        await(BROKER.admin().deleteTopics(List.of(byName)).all());
        await(BROKER.admin().deleteTopics(TopicCollection.ofTopicIds(List.of(id))).all());
        awaitTopicsGone(Set.of(byName, byId));
    }

    @Test
    void describeConfigsOfTopicAndBrokerWithSources() {
        String topic = Clients.uniqueTopic("admin-configs");
        await(BROKER.admin().createTopics(List.of(new NewTopic(topic, 1, (short) 1)
                .configs(Map.of("cleanup.policy", "delete", "segment.bytes", "1048576")))).all());

        Config topicConfig = describe(new ConfigResource(ConfigResource.Type.TOPIC, topic));
        assertEntry(topicConfig, "segment.bytes", "1048576", ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertEntry(topicConfig, "cleanup.policy", "delete", ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        assertEntry(topicConfig, "retention.ms", WEEK_MS, ConfigEntry.ConfigSource.DEFAULT_CONFIG);
        assertThat(topicConfig.get("retention.ms").isDefault()).isTrue();

        String nodeId = Integer.toString(BROKER.broker().nodeId());
        Config brokerConfig = describe(new ConfigResource(ConfigResource.Type.BROKER, nodeId));
        assertEntry(brokerConfig, "node.id", nodeId, ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
        assertEntry(brokerConfig, "log.dirs", BROKER.broker().dataDir().toAbsolutePath().toString(),
                ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG);
        assertEntry(brokerConfig, "num.partitions", "1", ConfigEntry.ConfigSource.DEFAULT_CONFIG);
    }

    @Test
    void incrementalAlterConfigsSetsAndDeletesRetention() {
        String topic = Clients.uniqueTopic("admin-alter");
        Clients.createTopic(BROKER.admin(), topic, 1);
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);

        alter(resource, new AlterConfigOp(new ConfigEntry("retention.ms", "3600000"), AlterConfigOp.OpType.SET));
        assertEntry(describe(resource), "retention.ms", "3600000", ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);

        alter(resource, new AlterConfigOp(new ConfigEntry("retention.ms", ""), AlterConfigOp.OpType.DELETE));
        assertEntry(describe(resource), "retention.ms", WEEK_MS, ConfigEntry.ConfigSource.DEFAULT_CONFIG);
    }

    @Test
    void createPartitionsAddsWritablePartitions() {
        String topic = Clients.uniqueTopic("admin-grow");
        Clients.createTopic(BROKER.admin(), topic, 1);
        await(BROKER.admin().createPartitions(Map.of(topic, NewPartitions.increaseTo(3))).all());

        Eventually.holds(Duration.ofSeconds(30), () -> assertThat(describeTopic(topic).partitions())
                .extracting(TopicPartitionInfo::partition).containsExactly(0, 1, 2));

        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(BROKER.bootstrap())) {
            var metadata = await(producer.send(new ProducerRecord<>(topic, 2, null, bytes("in new partition"))));
            assertThat(metadata.partition()).isEqualTo(2);
            assertThat(metadata.offset()).isZero();
        }
    }

    @Test
    void deleteRecordsMovesTheLogStartOffset() {
        String topic = Clients.uniqueTopic("admin-delete-records");
        Clients.createTopic(BROKER.admin(), topic, 1);
        TopicPartition partition = new TopicPartition(topic, 0);
        produce(partition, 10, i -> null);

        var lowWatermark = await(BROKER.admin().deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(4)))
                .lowWatermarks().get(partition));
        assertThat(lowWatermark.lowWatermark()).isEqualTo(4);
        assertThat(offset(partition, OffsetSpec.earliest()).offset()).isEqualTo(4);
        assertThat(offset(partition, OffsetSpec.latest()).offset()).isEqualTo(10);

        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap())) {
            List<ConsumerRecord<byte[], byte[]>> records =
                    Clients.readAll(consumer, List.of(partition), Duration.ofSeconds(30));
            assertThat(records).extracting(ConsumerRecord::offset).containsExactly(4L, 5L, 6L, 7L, 8L, 9L);
            assertThat(records.get(0).value()).isEqualTo(bytes("record-4"));
        }
    }

    @Test
    void listOffsetsByTimeEarliestLatestAndMaxTimestamp() {
        String topic = Clients.uniqueTopic("admin-offsets");
        Clients.createTopic(BROKER.admin(), topic, 1);
        TopicPartition partition = new TopicPartition(topic, 0);
        long base = System.currentTimeMillis() - Duration.ofMinutes(10).toMillis();
        // Timestamps rise by a second per record, except offset 5, which holds the largest one.
        produce(partition, 10, i -> i == 5 ? base + 100_000 : base + i * 1_000L);

        assertThat(offset(partition, OffsetSpec.earliest()).offset()).isZero();
        assertThat(offset(partition, OffsetSpec.latest()).offset()).isEqualTo(10);

        ListOffsetsResultInfo byTime = offset(partition, OffsetSpec.forTimestamp(base + 2_500));
        assertThat(byTime.offset()).isEqualTo(3);
        assertThat(byTime.timestamp()).isEqualTo(base + 3_000);
        assertThat(offset(partition, OffsetSpec.forTimestamp(base)).offset()).isZero();
        assertThat(offset(partition, OffsetSpec.forTimestamp(base + 200_000)).offset())
                .as("no record at or after the timestamp").isEqualTo(-1);

        ListOffsetsResultInfo max = offset(partition, OffsetSpec.maxTimestamp());
        assertThat(max.offset()).isEqualTo(5);
        assertThat(max.timestamp()).isEqualTo(base + 100_000);
    }

    @Test
    void creatingAnExistingTopicFailsWithTopicExists() {
        String topic = Clients.uniqueTopic("admin-exists");
        Clients.createTopic(BROKER.admin(), topic, 1);
        assertFailsWith(BROKER.admin().createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all(),
                TopicExistsException.class);
    }

    @Test
    void invalidPartitionCountsAreRejected() {
        String topic = Clients.uniqueTopic("admin-partitions");
        assertFailsWith(BROKER.admin().createTopics(List.of(new NewTopic(topic, 0, (short) 1))).all(),
                InvalidPartitionsException.class);

        Clients.createTopic(BROKER.admin(), topic, 3);
        assertFailsWith(BROKER.admin().createPartitions(Map.of(topic, NewPartitions.increaseTo(2))).all(),
                InvalidPartitionsException.class);
        assertFailsWith(BROKER.admin().createPartitions(Map.of(topic, NewPartitions.increaseTo(3))).all(),
                InvalidPartitionsException.class);
    }

    @Test
    void replicationFactorAboveBrokerCountIsRejected() {
        String topic = Clients.uniqueTopic("admin-rf");
        assertFailsWith(BROKER.admin().createTopics(List.of(new NewTopic(topic, 1, (short) 2))).all(),
                InvalidReplicationFactorException.class);
        assertThat(await(BROKER.admin().listTopics().names())).doesNotContain(topic);
    }

    @Test
    void invalidTopicNamesAreRejected() {
        for (String name : List.of("bad/name", "with space", "..", "x".repeat(250))) {
            assertFailsWith(BROKER.admin().createTopics(List.of(new NewTopic(name, 1, (short) 1))).all(),
                    InvalidTopicException.class);
        }
    }

    private void produce(TopicPartition partition, int count, IntFunction<Long> timestamp) {
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(BROKER.bootstrap())) {
            List<Future<?>> acks = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                acks.add(producer.send(new ProducerRecord<>(partition.topic(), partition.partition(),
                        timestamp.apply(i), null, bytes("record-" + i))));
            }
            producer.flush();
            acks.forEach(Clients::await);
        }
    }

    /** Waits out Kafka's metadata propagation: a new topic may be unknown for a moment. */
    private static TopicDescription describeTopic(String topic) {
        TopicDescription[] found = new TopicDescription[1];
        Eventually.holds(Duration.ofSeconds(30), () ->
                found[0] = BROKER.admin().describeTopics(List.of(topic)).topicNameValues().get(topic).get());
        return found[0];
    }

    private static ListOffsetsResultInfo offset(TopicPartition partition, OffsetSpec spec) {
        return await(BROKER.admin().listOffsets(Map.of(partition, spec)).partitionResult(partition));
    }

    private static Config describe(ConfigResource resource) {
        return await(BROKER.admin().describeConfigs(List.of(resource)).values().get(resource));
    }

    private static void alter(ConfigResource resource, AlterConfigOp op) {
        await(BROKER.admin().incrementalAlterConfigs(Map.of(resource, List.of(op))).all());
    }

    private static void assertEntry(Config config, String name, String value, ConfigEntry.ConfigSource source) {
        ConfigEntry entry = config.get(name);
        assertThat(entry).as("config entry %s in %s", name, config).isNotNull();
        assertThat(entry.value()).as("value of %s", name).isEqualTo(value);
        assertThat(entry.source()).as("source of %s", name).isEqualTo(source);
    }

    private static void assertFailsWith(Future<?> future, Class<? extends Throwable> expected) {
        assertThatThrownBy(() -> future.get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(expected);
    }

    private static void awaitTopicsGone(Set<String> topics) {
        Eventually.holds(Duration.ofSeconds(30), () -> assertThat(await(BROKER.admin().listTopics().names()))
                .as("topics after deletion").doesNotContainAnyElementsOf(topics));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
