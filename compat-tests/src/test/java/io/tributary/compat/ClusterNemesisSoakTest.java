package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The nemesis soak (Jepsen's Kafka queue checks) on three broker processes: idempotent acks=all
 * producers and a consumer run while a nemesis kills -9, pauses (SIGSTOP), restarts, cuts the Raft
 * network of and wipes the disk of random brokers, one at a time. Then every partition is read from the start and checked:
 * no acknowledged record lost or moved, no duplicates, no order violations, nothing read that was
 * never sent, no live read the final log contradicts. Alongside, a transactional read-process-write
 * workload with random aborts ({@link TransactionalCopiers}) copies a topic; its output must equal its
 * input (nothing committed lost or doubled, nothing aborted visible to read_committed).
 *
 * <p>CI runs it for {@value #DEFAULT_SECONDS} s (longer if needed until every kind of fault has
 * happened at least once). Longer: {@code -Dtributary.soak.seconds=600} (see
 * README); {@code -Dtributary.soak.seed=N} repeats a run's choice of faults and victims (timing differs).
 */
class ClusterNemesisSoakTest {

    static final int DEFAULT_SECONDS = 60;
    static final int PARTITIONS = 3;

    @RegisterExtension
    final ClusterCleanup clusters = new ClusterCleanup(40);
    private Cluster cluster;

    @Test
    @Timeout(value = 3, unit = TimeUnit.HOURS) // the real limit, from the soak's length, is below
    void queueSurvivesKillsPausesRestartsRaftPartitionsAndDiskLoss() {
        Duration soak = Duration.ofSeconds(Integer.getInteger("tributary.soak.seconds", DEFAULT_SECONDS));
        long seed = Long.getLong("tributary.soak.seed", System.nanoTime());
        Assertions.assertTimeoutPreemptively(soak.plus(Duration.ofMinutes(10)), () -> {
            cluster = clusters.track(Cluster.ofProcesses("soak", 3, true, Map.of()));
            runSoak(cluster, EnumSet.allOf(Nemesis.Fault.class), soak, seed, "processes");
        });
    }

    /**
     * The soak itself, for any kind of cluster: workload, nemesis for {@code soak}, recovery, final
     * read and checks. Prints the figures; fails on any violation.
     */
    static void runSoak(Cluster cluster, EnumSet<Nemesis.Fault> faults, Duration soak, long seed, String label) {
        String topic = Clients.uniqueTopic("soak");
        cluster.createTopic(topic, PARTITIONS, 3);
        System.out.printf("nemesis soak (%s): %d s, faults %s, seed %d (-Dtributary.soak.seed=%d repeats it)%n",
                label, soak.toSeconds(), faults, seed, seed);

        QueueWorkload workload = new QueueWorkload(cluster.bootstrap(), topic, PARTITIONS, 2, 100);
        TransactionalCopiers copiers = new TransactionalCopiers(cluster, "soak-copier", 2,
                (int) Math.min(1_000_000, 300 * soak.toSeconds()));
        Nemesis nemesis = new Nemesis(cluster, faults, seed, Duration.ofSeconds(4));
        AssertionError unhealthy = null;
        try {
            workload.start();
            copiers.start();
            Eventually.holds(Duration.ofSeconds(60), () -> assertThat(workload.attempts().values().stream()
                    .filter(QueueWorkload.Attempt::acknowledged).count()).isGreaterThan(100));
            nemesis.start();
            BrokerProcess.sleep(soak);
            nemesis.awaitEveryKind(Duration.ofMinutes(3));
            nemesis.close();
            // A few seconds of writes to the whole cluster again, then the final read.
            BrokerProcess.sleep(Duration.ofSeconds(5));
            workload.stopProducers(Duration.ofSeconds(60));
            // A fault can leave a copier unable to end its transaction; it exits, and starts again as Kafka's system test does.
            copiers.awaitDone(Duration.ofMinutes(5), 10);
            try {
                cluster.awaitHealthy(Duration.ofSeconds(90), topic);
            } catch (AssertionError e) {
                unhealthy = e;
            }
            Map<TopicPartition, Long> end;
            try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrap())) {
                end = consumer.endOffsets(Clients.partitions(topic, PARTITIONS), Duration.ofSeconds(60));
            }
            workload.stopConsumer(end, Duration.ofSeconds(30));
        } catch (RuntimeException | AssertionError e) {
            workload.abort();
            copiers.close();
            try {
                nemesis.close();
            } catch (RuntimeException | AssertionError suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new AssertionError("the soak could not run to its end (" + e.getMessage() + "); nemesis history:\n"
                    + String.join("\n", nemesis.history()) + "\nviews: " + cluster.views(topic), e);
        }

        QueueChecker.Result result;
        try {
            result = QueueChecker.check(workload, cluster.bootstrap(), Duration.ofMinutes(2));
        } catch (RuntimeException | AssertionError e) {
            throw new AssertionError("the final read failed (" + e.getMessage() + ")"
                    + (unhealthy == null ? "" : "; the cluster had not healed: " + unhealthy.getMessage())
                    + "\nnemesis history:\n" + String.join("\n", nemesis.history()) + "\nviews:\n" + cluster.views(topic), e);
        }
        System.out.printf("nemesis soak (%s) results: faults injected %s (total %d)%n%s%n", label,
                nemesis.injected(), nemesis.total(), result.summary());
        System.out.printf("nemesis soak (%s) transactions: %s, copiers started again %d time(s)%n", label,
                copiers.progress(), copiers.restarts());
        copiers.assertOutputEqualsInput(cluster.bootstrap());

        assertThat(result.violations()).as("queue violations:%n%s", result.summary()).isZero();
        assertThat(nemesis.failure()).as("a fault the cluster did not recover from").isNull();
        if (unhealthy != null) {
            throw new AssertionError("after the nemesis stopped, the cluster did not heal within 90 s: "
                    + unhealthy.getMessage() + "\nviews:\n" + cluster.views(topic), unhealthy);
        }
        assertThat(nemesis.injected()).as("faults injected by kind (each kind at least once)")
                .allSatisfy((kind, count) -> assertThat(count).as("%s faults", kind).isPositive());
        assertThat(result.acknowledged()).as("acknowledged writes").isPositive();
    }
}
