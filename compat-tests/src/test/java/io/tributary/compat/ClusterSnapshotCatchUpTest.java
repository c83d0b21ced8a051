package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
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
 * A follower that comes back far behind, after the leader has taken several snapshots (small Raft log
 * segments, a snapshot every 1,000 entries), catches up: the leader kept the Raft log the follower
 * still needs (it purges only what every member has), so the follower replays it, rejoins the in-sync
 * replicas, and its own partition log then holds every acknowledged record.
 */
class ClusterSnapshotCatchUpTest {

    @RegisterExtension
    final ClusterCleanup clusters = new ClusterCleanup(60);
    private Cluster cluster;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void followerFarBehindCatchesUpAfterSnapshots() {
        cluster = clusters.track(Cluster.ofProcesses("snapshot", 3, false, Map.of(
                "raft.server.snapshot.auto.trigger.threshold", "1000",
                // Only closed segments are purged: small ones, so there are some.
                "raft.server.log.segment.size.max", "64KB",
                "raft.server.log.preallocated.size", "64KB")));
        String topic = Clients.uniqueTopic("snapshot");
        cluster.createTopic(topic, 1, 3);
        TopicPartition p0 = new TopicPartition(topic, 0);
        Set<Integer> followers = new TreeSet<>(cluster.nodeIds());
        followers.remove(cluster.leaderOf(p0));
        int follower = followers.iterator().next();
        ClusterMember member = cluster.member(follower);
        member.kill();

        int records = 4_000;
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(cluster.liveBootstrap(), Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0,
                // One record per batch, so one Raft entry per record: several snapshots' worth.
                ProducerConfig.BATCH_SIZE_CONFIG, 1))) {
            for (int i = 0; i < records; i++) {
                sends.add(producer.send(new ProducerRecord<>(topic, 0, null,
                        ("catchup-" + i + "-end").getBytes(StandardCharsets.UTF_8))));
            }
            sends.forEach(Clients::await);
        }

        member.spawn();
        member.awaitServing();
        Eventually.holds(Duration.ofSeconds(60), () -> {
            try (Admin admin = Cluster.quickAdmin(cluster.bootstrap())) {
                assertThat(Cluster.ids(Cluster.describe(admin, List.of(topic)).get(topic).partitions().get(0).isr()))
                        .as("ISR of %s after broker %d, %d records behind, came back", p0, follower, records)
                        .contains(follower);
            }
        });
        Eventually.holds(Duration.ofSeconds(30), () -> {
            Set<Integer> stored = new TreeSet<>();
            Matcher m = Pattern.compile("catchup-(\\d+)-end").matcher(new String(
                    ClusterWalkthroughTest.partitionLogBytes(member.dataDir(), p0), StandardCharsets.ISO_8859_1));
            while (m.find()) {
                stored.add(Integer.parseInt(m.group(1)));
            }
            assertThat(stored).as("records of %s in broker %d's own log after it caught up", p0, follower)
                    .hasSize(records);
        });
    }
}
