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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Transactions across three brokers: the coordinator, the partitions' leaders and the markers between
 * them on different brokers, and a coordinator killed right after a commit was acknowledged.
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
