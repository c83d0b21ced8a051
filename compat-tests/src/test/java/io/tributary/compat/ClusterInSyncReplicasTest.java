package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * In-sync replicas as Metadata reports them: every healthy follower stays in sync while producers
 * write steadily; a dead follower leaves the ISR after {@code replica.lag.time.max.ms} (then acks=all
 * writes to a topic with {@code min.insync.replicas=3} get NOT_ENOUGH_REPLICAS) and rejoins it after
 * it returns and catches up, under load too.
 */
class ClusterInSyncReplicasTest {

    private static final int LAG_MS = 4_000;
    private static final int LOAD_RATE = 300;

    private static Cluster cluster;

    @RegisterExtension
    final TestWatcher logsOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (cluster != null) {
                System.err.println(cluster.logTails(40));
            }
        }
    };

    @BeforeAll
    static void startCluster() {
        cluster = Cluster.ofProcesses("isr", 3, false, Map.of("replica.lag.time.max.ms", String.valueOf(LAG_MS)));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void healthyFollowersStayInSyncUnderSteadyLoad() throws Exception {
        String topic = Clients.uniqueTopic("isr-load");
        cluster.createTopic(topic, 3, 3);
        List<String> shrunk = new ArrayList<>();
        int samples = 0;
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap(),
                Map.of(ProducerConfig.LINGER_MS_CONFIG, 5));
                LoadGenerator load = new LoadGenerator(producer, topic, 3, LOAD_RATE);
                Admin admin = Cluster.quickAdmin(cluster.bootstrap())) {
            load.start();
            load.awaitAcknowledged(LOAD_RATE, Duration.ofSeconds(30));
            for (int i = 0; i < 16; i++, samples++) {
                BrokerProcess.sleep(Duration.ofMillis(500));
                TopicDescription description = Cluster.describe(admin, List.of(topic)).get(topic);
                for (TopicPartitionInfo p : description.partitions()) {
                    if (p.isr().size() < p.replicas().size()) {
                        shrunk.add("p" + p.partition() + " isr=" + Cluster.ids(p.isr()));
                    }
                }
            }
            load.stopAndDrain(Duration.ofSeconds(30));
        }
        assertThat(shrunk).as("partitions reported with a follower out of sync, over %d samples of a cluster with"
                + " every broker up, under %d records/s", samples, LOAD_RATE).isEmpty();
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void deadFollowerLeavesTheIsrAndRejoinsAfterCatchingUpUnderLoad() throws Exception {
        String loaded = Clients.uniqueTopic("isr-loaded");
        String strict = Clients.uniqueTopic("isr-strict");
        cluster.createTopic(loaded, 1, 3);
        try (Admin admin = Clients.admin(cluster.bootstrap())) {
            Clients.await(admin.createTopics(List.of(new NewTopic(strict, 1, (short) 3)
                    .configs(Map.of("min.insync.replicas", "3")))).all());
        }
        cluster.awaitHealthy(Duration.ofSeconds(60), loaded, strict);
        TopicPartition loadedP0 = new TopicPartition(loaded, 0);
        TopicPartition strictP0 = new TopicPartition(strict, 0);
        Set<Integer> candidates = new TreeSet<>(cluster.nodeIds());
        candidates.remove(cluster.leaderOf(loadedP0));
        candidates.remove(cluster.leaderOf(strictP0));
        int follower = candidates.iterator().next();

        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.bootstrap(),
                Map.of(ProducerConfig.LINGER_MS_CONFIG, 5));
                LoadGenerator load = new LoadGenerator(producer, loaded, 1, LOAD_RATE)) {
            load.start();
            load.awaitAcknowledged(LOAD_RATE, Duration.ofSeconds(30));

            ClusterMember member = cluster.member(follower);
            member.kill();
            Eventually.holds(Duration.ofMillis(LAG_MS + 10_000), () -> {
                assertThat(isr(loadedP0)).as("ISR of %s after follower %d died", loadedP0, follower)
                        .doesNotContain(follower).isNotEmpty();
                assertThat(isr(strictP0)).as("ISR of %s after follower %d died", strictP0, follower)
                        .doesNotContain(follower);
            });
            assertThat(produceOutcome(strictP0))
                    .as("acks=all write to %s (min.insync.replicas=3) with broker %d dead", strictP0, follower)
                    .isInstanceOf(NotEnoughReplicasException.class);

            member.spawn();
            member.awaitServing();
            Eventually.holds(Duration.ofSeconds(45), () -> assertThat(isr(loadedP0))
                    .as("ISR of %s, written to steadily, after broker %d came back", loadedP0, follower)
                    .contains(follower));
            load.stopAndDrain(Duration.ofSeconds(30));
        }
        Eventually.holds(Duration.ofSeconds(30), () -> assertThat(isr(strictP0))
                .as("ISR of %s after broker %d came back", strictP0, follower).contains(follower));
        Eventually.holds(Duration.ofSeconds(30), () -> assertThat(produceOutcome(strictP0))
                .as("acks=all write to %s with every replica back", strictP0).isNull());
    }

    private static List<Integer> isr(TopicPartition partition) {
        try (Admin admin = Cluster.quickAdmin(cluster.liveBootstrap())) {
            return Cluster.ids(Cluster.describe(admin, List.of(partition.topic())).get(partition.topic())
                    .partitions().get(partition.partition()).isr());
        }
    }

    /** Null when an acks=all write (no retries) is acknowledged, else the error. */
    private static Throwable produceOutcome(TopicPartition partition) {
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.liveBootstrap(), Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false,
                ProducerConfig.RETRIES_CONFIG, 0,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000))) {
            producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), null,
                    "isr-probe".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
    }
}
