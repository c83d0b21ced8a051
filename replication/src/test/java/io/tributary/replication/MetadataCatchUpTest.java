package io.tributary.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker that joins after the metadata group's leader has purged the start of its Raft log cannot
 * replay it: it catches up from the leader's state (SnapshottingStateMachine's snapshot query).
 */
class MetadataCatchUpTest {
    /** Small Raft log segments and frequent snapshots, so the metadata log is purged early. */
    private static final Map<String, String> SMALL_LOG = Map.of(
            "raft.server.snapshot.auto.trigger.threshold", "100",
            "raft.server.log.segment.size.max", "16KB",
            "raft.server.log.preallocated.size", "16KB");

    @TempDir
    Path dir;

    @Test
    void aBrokerJoiningAfterTheLogWasPurgedCatchesUpFromTheLeadersState() throws Exception {
        int raftPort = freePort();
        try (Replication first = start(1, raftPort, Map.of(1, "127.0.0.1:" + raftPort), null)) {
            for (String topic : new String[] {"orders", "payments"}) {
                assertThat(first.metadata().createTopic(topic, Uuid.randomUuid(), 2, 1, Map.of())
                        .get(10, TimeUnit.SECONDS).error()).isEqualTo(Errors.NONE);
            }
            // Enough small entries to fill and purge a few segments.
            for (int i = 0; i < 1_500; i++) {
                first.metadata().allocateProducerIds(1).get(10, TimeUnit.SECONDS);
            }
            assertThat(hasFirstSegment(dir.resolve("1"))).as("the metadata log still starts at entry 0").isFalse();

            try (Replication second = start(2, 0, Map.of(), "127.0.0.1:" + raftPort)) {
                assertThat(second.metadata().image().topics()).containsKeys("orders", "payments");
                assertThat(second.metadata().image().brokers()).containsKeys(1, 2);
            }
        }
    }

    private Replication start(int nodeId, int raftPort, Map<Integer, String> peers, String join) throws Exception {
        ReplicationConfig config = new ReplicationConfig(nodeId, "127.0.0.1", raftPort, dir.resolve(String.valueOf(nodeId)),
                peers, 2, 30_000, join, SMALL_LOG);
        Replication replication = new Replication(config, overrides -> overrides, 86_400_000L);
        replication.start("127.0.0.1", 9092 + nodeId, 60_000);
        return replication;
    }

    /** Whether the metadata group's Raft log still has its first segment ({@code log_0-N} or {@code log_inprogress_0}). */
    private static boolean hasFirstSegment(Path brokerDir) throws IOException {
        Path current = brokerDir.resolve("raft").resolve(RaftNode.METADATA_GROUP.getUuid().toString()).resolve("current");
        try (Stream<Path> files = Files.list(current)) {
            return files.map(p -> p.getFileName().toString()).anyMatch(n -> n.startsWith("log_0-") || n.equals("log_inprogress_0"));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
