package io.tributary.compat;


import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Kafka's own system-test copier ({@link TransactionalCopiers}) copying an input topic to an output
 * topic in transactions while brokers are killed with kill -9 in turn, as Kafka's transactions system
 * test bounces them: the broker coordinating a copier's transactions, the leader of an output
 * partition, and the broker coordinating the copiers' consumer group. The copiers must ride it out
 * (none may die) and read_committed must see exactly the input, in order.
 *
 * <p>Kills go on, one every few seconds, until the copiers finish (at most {@code -Dcopier.rounds}, 30);
 * {@code -Dcopier.records} sets how many records are copied (100,000).
 */
class ClusterTransactionalCopierTest {
    private static final int PARTITIONS = 2;
    private static final int RECORDS = Integer.getInteger("copier.records", 100_000);
    private static final int KILL_ROUNDS = Integer.getInteger("copier.rounds", 30);

    @RegisterExtension
    final ClusterCleanup clusters = new ClusterCleanup(80);

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void kafkasCopierCopiesExactlyOnceWhileBrokersAreKilled() {
        Cluster cluster = clusters.track(Cluster.ofProcesses("copier", 3, false, Map.of(
                "transaction.state.log.num.partitions", "3",
                "transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000")));
        try (TransactionalCopiers copiers = new TransactionalCopiers(cluster, "copier", PARTITIONS, RECORDS);
             Admin admin = Cluster.quickAdmin(cluster.bootstrap())) {
            copiers.start();
            String id = copiers.transactionalId(0);
            String output = copiers.output();
            String group = copiers.group();
            List<Map.Entry<String, IntSupplier>> victims = List.of(
                    Map.entry("transaction coordinator of " + id, () -> transactionCoordinator(admin, id)),
                    Map.entry("leader of " + output + "-0", () -> cluster.leaderOf(new TopicPartition(output, 0))),
                    Map.entry("group coordinator of " + group, () -> groupCoordinator(admin, group)));
            for (int round = 0; round < KILL_ROUNDS && copiers.anyRunning(); round++) {
                BrokerProcess.sleep(Duration.ofSeconds(3));
                Map.Entry<String, IntSupplier> victim = victims.get(round % victims.size());
                int broker = victim.getValue().getAsInt();
                System.out.printf("copier round %d: killing broker %d, %s; %s%n", round + 1, broker, victim.getKey(),
                        copiers.progress());
                ClusterMember member = cluster.member(broker);
                member.kill();
                BrokerProcess.sleep(Duration.ofSeconds(2));
                member.spawn();
                member.awaitServing();
            }
            copiers.awaitDone(Duration.ofMinutes(6), 0);
            System.out.println("copier: " + copiers.progress());
            copiers.assertOutputEqualsInput(cluster.bootstrap());
        }
    }

    private static int transactionCoordinator(Admin admin, String transactionalId) {
        return Eventually.value(Duration.ofSeconds(30), () -> admin.describeTransactions(List.of(transactionalId))
                .description(transactionalId).get(5, TimeUnit.SECONDS).coordinatorId());
    }

    private static int groupCoordinator(Admin admin, String group) {
        return Eventually.value(Duration.ofSeconds(30), () -> admin.describeConsumerGroups(List.of(group))
                .describedGroups().get(group).get(5, TimeUnit.SECONDS).coordinator().id());
    }
}
