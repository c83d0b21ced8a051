package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A broker that comes back far behind, after the others have taken several snapshots and purged their
 * Raft logs past what it has (small segments, a snapshot every 200 entries, every purge carried out),
 * catches up from the leader's snapshot and partition log: it rejoins the in-sync replicas, and its own
 * partition log then holds every acknowledged record, byte for byte as the leader's does.
 */
class ClusterSnapshotCatchUpTest {
    static final Map<String, String> SMALL_LOG = Map.of(
            "raft.server.snapshot.auto.trigger.threshold", "200",
            "raft.server.log.purge.gap", "1",
            // Only closed segments are purged: small ones, so there are some.
            "raft.server.log.segment.size.max", "64KB",
            "raft.server.log.preallocated.size", "64KB");

    @RegisterExtension
    final ClusterCleanup clusters = new ClusterCleanup(60);
    private Cluster cluster;
    private TopicPartition p0;

    /** Starts three brokers with {@link #SMALL_LOG} and a one-partition topic with three replicas. */
    private void start(String name) {
        cluster = clusters.track(Cluster.ofProcesses(name, 3, false, SMALL_LOG));
        p0 = new TopicPartition(Clients.uniqueTopic(name), 0);
        cluster.createTopic(p0.topic(), 1, 3);
    }

    /** The partition's leader, once Metadata names one (it may not between a broker's return and a hand-back). */
    private int leader() {
        return Eventually.value(Duration.ofSeconds(30), () -> cluster.leaderOf(p0),
                id -> assertThat(id).as("leader of %s", p0).isPositive());
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void followerFarBehindCatchesUpAfterSnapshots() {
        start("snapshot");
        int leader = leader();
        Set<Integer> followers = new TreeSet<>(cluster.nodeIds());
        followers.remove(leader);
        int away = followers.iterator().next();
        awayAndBack(away, 4_000, "far", () -> assertThat(purgedRaftLogs(cluster.member(leader).dataDir()))
                .as("Raft logs of broker %d that no longer start at entry 0", leader).isNotEmpty());
        send(400, "after");
        Eventually.holds(Duration.ofSeconds(30), () -> assertThat(ClusterWalkthroughTest.partitionLogDigest(
                cluster.member(away).dataDir(), p0)).as("broker %d's log of %s against the leader's", away, p0)
                .isEqualTo(ClusterWalkthroughTest.partitionLogDigest(cluster.member(leader).dataDir(), p0)));
    }

    /**
     * A broker restarted right after it rebuilt from the leader's state, before any new entry: its
     * snapshot is then far past the end of its own Raft log, and it must still take the entries that
     * follow.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void restartRightAfterARebuildTakesTheNextEntries() {
        start("rebuilt-restart");
        int leader = leader();
        Set<Integer> followers = new TreeSet<>(cluster.nodeIds());
        followers.remove(leader);
        int away = followers.iterator().next();
        awayAndBack(away, 2_000, "far", () -> assertThat(purgedRaftLogs(cluster.member(leader).dataDir()))
                .as("Raft logs of broker %d that no longer start at entry 0", leader).isNotEmpty());
        ClusterMember member = cluster.member(away);
        member.stop();
        member.spawn();
        member.awaitServing();
        send(50, "next");
        Eventually.holds(Duration.ofSeconds(60), () -> assertThat(ClusterWalkthroughTest.partitionLogDigest(
                member.dataDir(), p0)).as("broker %d's log of %s against the leader's", away, p0)
                .isEqualTo(ClusterWalkthroughTest.partitionLogDigest(cluster.member(leader).dataDir(), p0)));
    }

    /**
     * A killed leader's last commit index is the last entry of its term, where the new leader's log
     * segment ends (Ratis starts a segment at each new term): a purge up to exactly that index once left
     * the returning broker out of sync for good. Two rounds, each killing the current leader.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void killedLeaderCatchesUpAfterTheNewLeaderPurged() {
        start("leader-back");
        for (int round = 1; round <= 2; round++) {
            awayAndBack(leader(), 600, "round" + round, () -> { });
        }
    }

    /** The Raft groups whose log in this broker's data folder no longer has its first segment. */
    static List<String> purgedRaftLogs(Path dataDir) throws IOException {
        List<String> purged = new ArrayList<>();
        try (Stream<Path> groups = Files.list(dataDir.resolve("raft"))) {
            for (Path group : groups.filter(Files::isDirectory).toList()) {
                try (Stream<Path> files = Files.list(group.resolve("current"))) {
                    if (files.map(f -> f.getFileName().toString())
                            .noneMatch(n -> n.startsWith("log_0-") || n.equals("log_inprogress_0"))) {
                        purged.add(group.getFileName().toString());
                    }
                }
            }
        }
        return purged;
    }

    /**
     * Kills broker {@code away}, writes {@code records} records to {@code p0} (one Raft entry each) through
     * the others, checks {@code whileAway}, restarts it, and waits until it is in the ISR again and its own
     * log holds them all.
     */
    private void awayAndBack(int away, int records, String tag, Eventually.Check whileAway) {
        ClusterMember member = cluster.member(away);
        member.kill();
        send(records, tag);
        Eventually.holds(Duration.ofSeconds(30), whileAway);
        member.spawn();
        member.awaitServing();
        Eventually.holds(Duration.ofSeconds(60), () -> {
            try (Admin admin = Cluster.quickAdmin(cluster.bootstrap())) {
                assertThat(Cluster.ids(Cluster.describe(admin, List.of(p0.topic())).get(p0.topic()).partitions().get(0).isr()))
                        .as("ISR of %s after broker %d, %d records behind (%s), came back", p0, away, records, tag)
                        .contains(away);
            }
        });
        Eventually.holds(Duration.ofSeconds(30), () -> {
            Set<Integer> stored = new TreeSet<>();
            Matcher m = Pattern.compile(tag + "-(\\d+)-end").matcher(new String(
                    ClusterWalkthroughTest.partitionLogBytes(member.dataDir(), p0), StandardCharsets.ISO_8859_1));
            while (m.find()) {
                stored.add(Integer.parseInt(m.group(1)));
            }
            assertThat(stored).as("records of %s (%s) in broker %d's own log after it caught up", p0, tag, away)
                    .hasSize(records);
        });
    }

    /** Writes {@code records} records "TAG-i-end" to {@code p0} through the live brokers, one Raft entry each. */
    private void send(int records, String tag) {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.liveBootstrap(), Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0,
                // One record per batch, so one Raft entry per record: several snapshots' worth.
                ProducerConfig.BATCH_SIZE_CONFIG, 1))) {
            for (int i = 0; i < records; i++) {
                sends.add(producer.send(new ProducerRecord<>(p0.topic(), 0, null,
                        (tag + "-" + i + "-end").getBytes(StandardCharsets.UTF_8))));
            }
            sends.forEach(Clients::await);
        }
    }
}
