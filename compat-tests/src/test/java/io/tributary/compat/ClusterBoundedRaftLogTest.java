package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A member that stays away does not make the others' Raft logs grow: while one of three brokers is down
 * and 256 MB are produced, no Raft group's directory on the other two grows past a fixed bound (its
 * logs are purged at every snapshot, whatever the absent member has). The broker then comes back, far
 * behind every purged log, rebuilds its replicas from the leaders and returns to every ISR.
 */
class ClusterBoundedRaftLogTest {
    private static final int PARTITIONS = 3;
    private static final int RECORD_BYTES = 10 * 1024;
    private static final int RECORDS = 256 * 1024 * 1024 / RECORD_BYTES;
    /** 32 MB between snapshots, 16 preserved entries (here about 256 KB each) and one 8 MB segment, with room. */
    private static final long GROUP_LOG_BOUND = 64L * 1024 * 1024;

    @RegisterExtension
    final ClusterCleanup clusters = new ClusterCleanup(60);

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void raftLogsStayBoundedWhileAMemberIsAway() throws Exception {
        Cluster cluster = clusters.track(Cluster.ofProcesses("bounded-log", 3, false, Map.of()));
        String topic = Clients.uniqueTopic("bounded-log");
        cluster.createTopic(topic, PARTITIONS, 3);
        ClusterMember away = cluster.member(3);
        away.kill();

        Map<String, Long> largest = new ConcurrentHashMap<>();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                for (int id : List.of(1, 2)) {
                    raftGroupSizes(cluster.member(id).dataDir()).forEach((group, size) ->
                            largest.merge("broker " + id + " group " + group, size, Math::max));
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "raft-log-sampler");
        sampler.setDaemon(true);
        sampler.start();
        try {
            Clients.produceBulk(cluster.liveBootstrap(), topic, PARTITIONS, RECORDS, RECORD_BYTES);
        } finally {
            sampler.interrupt();
            sampler.join();
        }
        System.out.println("bounded raft log: largest Raft group directories while broker 3 was away (MB): "
                + largest.entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .map(e -> e.getKey() + "=" + e.getValue() / (1024 * 1024)).toList());
        assertThat(largest).as("Raft group directories sampled").isNotEmpty();
        largest.forEach((group, size) -> assertThat(size).as("largest size of %s's Raft directory", group)
                .isLessThanOrEqualTo(GROUP_LOG_BOUND));

        away.spawn();
        away.awaitServing();
        cluster.awaitInSync(3, Duration.ofSeconds(120), topic);
        Eventually.holds(Duration.ofSeconds(30), () -> {
            for (int p = 0; p < PARTITIONS; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                assertThat(ClusterWalkthroughTest.partitionLogDigest(away.dataDir(), tp))
                        .as("broker 3's log of %s against broker 1's", tp)
                        .isEqualTo(ClusterWalkthroughTest.partitionLogDigest(cluster.member(1).dataDir(), tp));
            }
        });
    }

    /** The bytes under each Raft group's directory of a broker (its log segments and snapshots). */
    private static Map<String, Long> raftGroupSizes(Path dataDir) {
        Map<String, Long> sizes = new ConcurrentHashMap<>();
        try (Stream<Path> groups = Files.list(dataDir.resolve("raft"))) {
            for (Path group : groups.filter(Files::isDirectory).toList()) {
                try (Stream<Path> files = Files.walk(group)) {
                    sizes.put(group.getFileName().toString(), files.filter(Files::isRegularFile).mapToLong(f -> {
                        try {
                            return Files.size(f);
                        } catch (IOException e) {
                            return 0;
                        }
                    }).sum());
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // A file removed by a purge while it was listed: the next sample counts again.
        }
        return sizes;
    }
}
