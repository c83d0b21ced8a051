package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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

    /** Rebuild lines of replica groups, not of the metadata group (whose state is small and copied at once). */
    private static final String METADATA_GROUP = "0B0D67171F4C";
    private static final int BIG_RECORD = 10 * 1024;

    @RegisterExtension
    final ClusterCleanup clusters = new ClusterCleanup(80);

    /**
     * A rebuild survives interruptions: the broker that lost its disk is killed again while it copies its
     * replicas, and after its restart the leader it copies from is killed too. Each time the rebuild goes
     * on where it was (the groups it still has to rejoin are kept on disk, and the batches it copied stay),
     * and in the end every replica holds the same bytes.
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aRebuildInterruptedByItsOwnKillAndItsLeadersKillCompletes() throws Exception {
        Cluster cluster = clusters.track(Cluster.ofProcesses("rebuild-cut", 3, false, Map.of()));
        String topic = Clients.uniqueTopic("rebuild-cut");
        cluster.createTopic(topic, 1, 3);
        TopicPartition p0 = new TopicPartition(topic, 0);
        int records = 150 * 1024 * 1024 / BIG_RECORD;
        Clients.produceBulk(cluster.bootstrap(), topic, 1, records, BIG_RECORD);
        int leader = cluster.leaderOf(p0);
        ClusterMember victim = cluster.member(leader == 3 ? 2 : 3);

        victim.kill();
        BrokerProcess.deleteContents(victim.dataDir());
        long rebuilds = rebuildsStarted(victim);
        victim.spawn();
        // Killed once it is back in the metadata group and copying a replica group's records.
        Eventually.holds(Duration.ofSeconds(60), () -> {
            assertThat(logLines(victim, "joined the cluster through")).isPositive();
            assertThat(rebuildsStarted(victim)).isGreaterThan(rebuilds);
        });
        victim.kill();

        long again = rebuildsStarted(victim);
        victim.spawn();
        Eventually.holds(Duration.ofSeconds(60), () -> assertThat(rebuildsStarted(victim)).isGreaterThan(again));
        int current = cluster.leaderOf(p0);
        ClusterMember source = cluster.member(current > 0 ? current : leader);
        source.kill();
        BrokerProcess.sleep(Duration.ofSeconds(3));
        source.spawn();
        source.awaitServing();
        victim.awaitServing();

        cluster.awaitInSync(victim.nodeId(), Duration.ofSeconds(120));
        Eventually.holds(Duration.ofSeconds(30), () -> assertThat(victim.dataDir().resolve("rejoin.pending"))
                .as("groups left to rejoin").doesNotExist());
        Eventually.holds(Duration.ofSeconds(30), () -> {
            String rebuilt = ClusterWalkthroughTest.partitionLogDigest(victim.dataDir(), p0);
            for (ClusterMember other : cluster.members()) {
                assertThat(rebuilt).as("broker %d's log of %s against broker %d's", victim.nodeId(), p0, other.nodeId())
                        .isEqualTo(ClusterWalkthroughTest.partitionLogDigest(other.dataDir(), p0));
            }
        });
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrap())) {
            assertThat(consumer.endOffsets(List.of(p0), Duration.ofSeconds(30)).get(p0)).isEqualTo(records);
        }
    }

    /** How many rebuilds of a replica group the member's log reports having started. */
    private static long rebuildsStarted(ClusterMember member) throws IOException {
        return logLines(member, "catching up from the leader's state");
    }

    /** The lines of the member's log (read as a stream: it can be long) that hold {@code text}, but not of the metadata group. */
    private static long logLines(ClusterMember member, String text) throws IOException {
        try (Stream<String> lines = Files.lines(((BrokerProcess) member).logFile(), StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.contains(text) && !l.contains(METADATA_GROUP)).count();
        }
    }

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
                    String rebuilt = ClusterWalkthroughTest.partitionLogDigest(victim.dataDir(), tp);
                    for (int other : List.of(1, 2)) {
                        assertThat(rebuilt).as("broker 3's log of %s against broker %d's", tp, other)
                                .isEqualTo(ClusterWalkthroughTest.partitionLogDigest(cluster.member(other).dataDir(), tp));
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
