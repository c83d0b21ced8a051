package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The seed's failover walkthrough, automated: three brokers, a topic with four partitions and three
 * replicas; the leader of partition 0 is killed and the same produce command still works; the old
 * leader comes back, takes a write addressed to it alone, and every broker ends up with every record.
 */
class ClusterWalkthroughTest {

    private static final int PARTITIONS = 4;

    @RegisterExtension
    final ClusterCleanup clusters = new ClusterCleanup(60);
    private Cluster cluster;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void leaderKilledProducersCarryOnAndTheReturningBrokerCatchesUp() {
        cluster = clusters.track(Cluster.ofProcesses("walkthrough", 3, false, Map.of()));
        String topic = Clients.uniqueTopic("walkthrough");
        TopicPartition p0 = new TopicPartition(topic, 0);
        cluster.createTopic(topic, PARTITIONS, 3);

        List<String> values = new ArrayList<>();
        values.add("walkthrough-1-" + topic);
        produce(cluster.bootstrap(), p0, values.get(0));

        int oldLeader = cluster.leaderOf(p0);
        assertThat(oldLeader).as("leader of %s", p0).isPositive();
        cluster.member(oldLeader).kill();

        // The same command, the same bootstrap list (the dead broker included): the new leader takes it.
        values.add("walkthrough-2-" + topic);
        produce(cluster.bootstrap(), p0, values.get(1));
        int newLeader = cluster.leaderOf(p0);
        assertThat(newLeader).as("leader of %s after broker %d was killed", p0, oldLeader)
                .isPositive().isNotEqualTo(oldLeader);

        ClusterMember returning = cluster.member(oldLeader);
        returning.spawn();
        returning.awaitServing();
        cluster.awaitHealthy(Duration.ofSeconds(60), topic);

        // Through the returning broker alone: it either leads partition 0 again or sends the client on.
        values.add("walkthrough-3-" + topic);
        produce(returning.bootstrap(), p0, values.get(2));

        for (ClusterMember member : cluster.members()) {
            Eventually.holds(Duration.ofSeconds(30), () -> {
                byte[] log = partitionLogBytes(member.dataDir(), p0);
                for (String value : values) {
                    assertThat(contains(log, value.getBytes(StandardCharsets.UTF_8)))
                            .as("broker %d's log of %s contains %s", member.nodeId(), p0, value).isTrue();
                }
            });
        }
    }

    /** One record with a fresh acks=all producer, like running a console producer command. */
    private static RecordMetadata produce(String bootstrap, TopicPartition partition, String value) {
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap, Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000))) {
            return Clients.await(producer.send(new ProducerRecord<>(partition.topic(), partition.partition(),
                    null, value.getBytes(StandardCharsets.UTF_8))));
        }
    }

    /** The bytes of every segment of a partition in a broker's log directory, concatenated. */
    static byte[] partitionLogBytes(Path logDir, TopicPartition partition) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            for (Path segment : segmentFiles(logDir, partition)) {
                out.write(Files.readAllBytes(segment));
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What a broker's log of a partition holds, as its length and SHA-256 (segments in offset order, as
     * {@link #partitionLogBytes}), read a block at a time: for comparing replicas too large to hold.
     */
    static String partitionLogDigest(Path logDir, TopicPartition partition) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            long length = 0;
            byte[] block = new byte[1 << 16];
            for (Path segment : segmentFiles(logDir, partition)) {
                try (java.io.InputStream in = Files.newInputStream(segment)) {
                    for (int n; (n = in.read(block)) > 0; ) {
                        sha.update(block, 0, n);
                        length += n;
                    }
                }
            }
            return length + " bytes, sha-256 " + java.util.HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code .log} segment files of a partition in a broker's log folder, in offset order. */
    private static List<Path> segmentFiles(Path logDir, TopicPartition partition) throws IOException {
        String prefix = partition.topic() + "-" + partition.partition() + "-";
        List<Path> segments = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(logDir)) {
            for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith(prefix) && Files.isDirectory(d)).toList()) {
                try (Stream<Path> files = Files.list(dir)) {
                    segments.addAll(files.filter(f -> f.toString().endsWith(".log")).sorted().toList());
                }
            }
        }
        return segments;
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
