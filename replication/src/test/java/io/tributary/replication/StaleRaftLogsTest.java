package io.tributary.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group logs that end before the group's snapshot are removed before Ratis opens them, others are left
 * alone; the last index of a segment is read from a segment Ratis wrote.
 */
class StaleRaftLogsTest {
    @TempDir
    Path dir;

    @Test
    void readsTheLastIndexOfASegmentRatisWrote() throws Exception {
        Path segment = writtenSegment();
        long last = StaleRaftLogs.lastIndexIn(segment);
        assertThat(last).as("last index in %s", segment.getFileName()).isGreaterThanOrEqualTo(20);
        long first = Long.parseLong(segment.getFileName().toString().replace("log_inprogress_", ""));
        assertThat(last).isGreaterThanOrEqualTo(first);
    }

    @Test
    void removesOnlyLogsThatEndBeforeTheSnapshot() throws Exception {
        Path segment = writtenSegment();
        long last = StaleRaftLogs.lastIndexIn(segment);
        Path raft = dir.resolve("raft-copy");
        Path behind = group(raft, "behind", last + 1_000, segment);
        Path ahead = group(raft, "ahead", last - 1, segment);
        Path noSnapshot = group(raft, "none", -1, segment);

        StaleRaftLogs.removeIn(raft);

        assertThat(logFiles(behind)).isEmpty();
        assertThat(logFiles(ahead)).hasSize(2);
        assertThat(logFiles(noSnapshot)).hasSize(2);
    }

    /** A group directory with a closed segment, a copy of {@code open} and, unless -1, a snapshot at that index. */
    private static Path group(Path raft, String name, long snapshotIndex, Path open) throws IOException {
        Path group = raft.resolve(name);
        Files.createDirectories(group.resolve("current"));
        Files.createDirectories(group.resolve("sm"));
        Files.write(group.resolve("current").resolve("log_0-3"), new byte[] {1});
        Files.copy(open, group.resolve("current").resolve(open.getFileName()));
        if (snapshotIndex >= 0) {
            Files.write(group.resolve("sm").resolve("snapshot.1_" + snapshotIndex), new byte[] {1});
        }
        return group;
    }

    private static List<Path> logFiles(Path group) throws IOException {
        try (Stream<Path> files = Files.list(group.resolve("current"))) {
            return files.filter(f -> f.getFileName().toString().startsWith("log_")).toList();
        }
    }

    /** The open segment of a one-broker metadata group after some entries. */
    private Path writtenSegment() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path data = dir.resolve("broker");
        ReplicationConfig config = new ReplicationConfig(1, "127.0.0.1", port, data, Map.of(1, "127.0.0.1:" + port),
                2, 30_000, null, Map.of());
        try (Replication replication = new Replication(config, overrides -> overrides, 86_400_000L)) {
            replication.start("127.0.0.1", 9092, 60_000);
            for (int i = 0; i < 20; i++) {
                replication.metadata().allocateProducerIds(1).get(10, TimeUnit.SECONDS);
            }
        }
        Path current = config.raftDir().resolve(RaftNode.METADATA_GROUP.getUuid().toString()).resolve("current");
        try (Stream<Path> files = Files.list(current)) {
            return files.filter(f -> f.getFileName().toString().startsWith("log_inprogress_")).findFirst().orElseThrow();
        }
    }
}
