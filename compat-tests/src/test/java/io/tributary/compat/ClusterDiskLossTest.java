package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A broker that lost its disk comes back: killed under a steady load, its data folder removed, restarted
 * with the same node id. The other brokers have purged their Raft logs past anything it could replay
 * (small log segments, frequent snapshots), so it rebuilds every replica from the leaders' snapshots and
 * partition logs, returns to every in-sync replica set, and then holds byte for byte the leaders'
 * partition logs; consumers read every acknowledged record exactly once.
 */
class ClusterDiskLossTest {
    private static final int PARTITIONS = 4;
    private static final int LOAD_RATE = 400;

    @RegisterExtension
    final ClusterCleanup clusters = new ClusterCleanup(80);

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aBrokerRestartedWithAnEmptyDiskRebuildsItsReplicas() throws Exception {
        Cluster cluster = clusters.track(Cluster.ofProcesses("disk-loss", 3, false, ClusterSnapshotCatchUpTest.SMALL_LOG));
        String topic = Clients.uniqueTopic("disk-loss");
        cluster.createTopic(topic, PARTITIONS, 3);
        ClusterMember victim = cluster.member(3);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap(),
                Map.of(ProducerConfig.LINGER_MS_CONFIG, 0));
                LoadGenerator load = new LoadGenerator(producer, topic, PARTITIONS, LOAD_RATE)) {
            load.start();
            load.awaitAcknowledged(3_000, Duration.ofSeconds(90));
            victim.kill();
            BrokerProcess.deleteRecursively(victim.dataDir());
            load.awaitAcknowledged(4_500, Duration.ofSeconds(90));
            assertThat(ClusterSnapshotCatchUpTest.purgedRaftLogs(cluster.member(1).dataDir()))
                    .as("Raft logs of broker 1 that no longer start at entry 0 (else broker 3 could replay them)").isNotEmpty();

            victim.spawn();
            victim.awaitServing();
            cluster.awaitInSync(3, Duration.ofSeconds(90), topic);
            load.stopAndDrain(Duration.ofSeconds(60));

            Eventually.holds(Duration.ofSeconds(30), () -> {
                for (int p = 0; p < PARTITIONS; p++) {
                    TopicPartition tp = new TopicPartition(topic, p);
                    byte[] rebuilt = ClusterWalkthroughTest.partitionLogBytes(victim.dataDir(), tp);
                    for (int other : List.of(1, 2)) {
                        assertThat(rebuilt).as("broker 3's log of %s against broker %d's", tp, other)
                                .isEqualTo(ClusterWalkthroughTest.partitionLogBytes(cluster.member(other).dataDir(), tp));
                    }
                }
            });

            Map<String, LoadGenerator.Ack> acknowledged = load.acknowledged();
            try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrap())) {
                Map<String, Integer> copies = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : Clients.readAll(consumer, Clients.partitions(topic, PARTITIONS),
                        Duration.ofSeconds(60))) {
                    copies.merge(new String(r.value(), StandardCharsets.UTF_8), 1, Integer::sum);
                }
                Set<String> missing = new TreeSet<>(acknowledged.keySet());
                missing.removeAll(copies.keySet());
                assertThat(missing).as("acknowledged records not read").isEmpty();
                assertThat(copies.values()).as("copies of each record read").containsOnly(1);
            }
        }
    }
}
