package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Transactions across three brokers: the transaction coordinator, the group coordinator and the
 * partitions' leaders on different brokers, with the markers and checks between them, and a transaction
 * coordinator killed right after a commit was acknowledged.
 */
class ClusterTransactionsTest {
    private static final int PARTITIONS = 3;

    @RegisterExtension
    final ClusterCleanup clusters = new ClusterCleanup(60);

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void transactionsSpanBrokersAndACommitSurvivesItsCoordinatorsDeath() throws Exception {
        Cluster cluster = clusters.track(Cluster.ofProcesses("transactions", 3, false, Map.of(
                "transaction.state.log.num.partitions", "3",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "500")));
        String topic = Clients.uniqueTopic("cluster-txn");
        cluster.createTopic(topic, PARTITIONS, 3);
        cluster.awaitHealthy(Duration.ofSeconds(60), topic);
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            partitions.add(new TopicPartition(topic, p));
        }
        String id = "cluster-" + topic;
        List<String> committed = new ArrayList<>();
        int coordinator;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap(), Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, id, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000));
             Admin admin = Clients.admin(cluster.bootstrap())) {
            producer.initTransactions();
            committed.addAll(transaction(producer, partitions, "first", true));
            transaction(producer, partitions, "aborted", false);
            committed.addAll(copyWithOffsets(cluster, producer, partitions));
            coordinator = admin.describeTransactions(List.of(id)).description(id).get(30, TimeUnit.SECONDS).coordinatorId();
            committed.addAll(transaction(producer, partitions, "last", true));
        }
        // Acknowledged means decided: the markers may still be on their way, and a new coordinator sends them.
        cluster.member(coordinator).kill();
        List<String> read = new ArrayList<>();
        Eventually.holds(Duration.ofSeconds(60), () -> {
            read.clear();
            try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.liveBootstrap(),
                    Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
                for (ConsumerRecord<byte[], byte[]> r : Clients.readAll(consumer, partitions, Duration.ofSeconds(20))) {
                    read.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
            assertThat(read).containsExactlyInAnyOrderElementsOf(committed);
        });
        assertThat(read).doesNotHaveDuplicates().noneMatch(v -> v.startsWith("aborted"));
    }

    /**
     * A transactional producer at full speed over six partitions led by three brokers: each transaction
     * starts with several Produce requests in flight per partition while the coordinator adds the
     * partitions (protocol version 2), so some are answered CONCURRENT_TRANSACTIONS and retried after
     * later ones; every partition must still take its batches in sequence.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aFullSpeedTransactionalProducerOverSixPartitionsCommitsEveryRecordOnce() {
        Cluster cluster = clusters.track(Cluster.ofProcesses("transactions-fast", 3, false, Map.of(
                "transaction.state.log.num.partitions", "3", "min.insync.replicas", "2")));
        String topic = Clients.uniqueTopic("cluster-txn-fast");
        cluster.createTopic(topic, 6, 3);
        List<String> sent = new ArrayList<>();
        String padding = "x".repeat(200);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap(), Map.of(
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "fast-" + topic, ProducerConfig.LINGER_MS_CONFIG, 5))) {
            producer.initTransactions();
            for (int t = 0; t < 15; t++) {
                producer.beginTransaction();
                for (int i = 0; i < 2_000; i++) {
                    String value = t + "-" + i + "-" + padding;
                    producer.send(new ProducerRecord<>(topic, null, value.getBytes(StandardCharsets.UTF_8)));
                    sent.add(value);
                }
                producer.commitTransaction();
            }
        }
        List<String> read = new ArrayList<>();
        Eventually.holds(Duration.ofSeconds(60), () -> {
            read.clear();
            try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrap(),
                    Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
                for (ConsumerRecord<byte[], byte[]> r : Clients.readAll(consumer, Clients.partitions(topic, 6),
                        Duration.ofSeconds(30))) {
                    read.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
            assertThat(read).hasSameSizeAs(sent);
        });
        assertThat(read).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(sent);
    }

    /**
     * Reads what the first transaction wrote as a consumer group and writes a copy of it in a transaction
     * with the group's offsets (read-process-write); returns the copies, checked committed with the offsets.
     */
    private static List<String> copyWithOffsets(Cluster cluster, KafkaProducer<byte[], byte[]> producer,
                                                List<TopicPartition> partitions) {
        String group = "copier-" + partitions.get(0).topic();
        List<String> copies = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrap(), Map.of(
                ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            consumer.subscribe(List.of(partitions.get(0).topic()));
            List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (read.size() < 3 * PARTITIONS && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
            assertThat(read).as("the first transaction's records").hasSize(3 * PARTITIONS);
            Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
            producer.beginTransaction();
            for (ConsumerRecord<byte[], byte[]> r : read) {
                String copy = "copy-" + new String(r.value(), StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(r.topic(), r.partition(), null, copy.getBytes(StandardCharsets.UTF_8)));
                copies.add(copy);
                next.merge(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1),
                        (a, b) -> a.offset() > b.offset() ? a : b);
            }
            producer.sendOffsetsToTransaction(next, consumer.groupMetadata());
            producer.commitTransaction();
            Eventually.holds(Duration.ofSeconds(30), () -> {
                Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(next.keySet(), Duration.ofSeconds(5));
                assertThat(committed).isEqualTo(next);
            });
        }
        return copies;
    }

    /** One transaction over every partition, committed or aborted; the values it wrote. */
    private static List<String> transaction(KafkaProducer<byte[], byte[]> producer, List<TopicPartition> partitions,
                                            String name, boolean commit) {
        List<String> values = new ArrayList<>();
        producer.beginTransaction();
        for (TopicPartition tp : partitions) {
            for (int i = 0; i < 3; i++) {
                String value = name + "-" + tp.partition() + "-" + i;
                producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, value.getBytes(StandardCharsets.UTF_8)));
                values.add(value);
            }
        }
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.abortTransaction();
        }
        return values;
    }
}
