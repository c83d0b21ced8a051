package io.tributary.wire.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsToASingleBrokerOnLoopback() {
        BrokerConfig c = BrokerConfig.of(Map.of());
        assertThat(c.nodeId()).isEqualTo(1);
        assertThat(c.listener()).isEqualTo(new BrokerConfig.HostPort("127.0.0.1", 9092));
        assertThat(c.raftAddress()).isEqualTo(new BrokerConfig.HostPort("127.0.0.1", 19092));
        assertThat(c.raftPeers()).containsExactly(Map.entry(1, "127.0.0.1:19092"));
        assertThat(c.dataDir()).isEqualTo(Path.of("./data"));
        assertThat(c.isExplicit("log.retention.ms")).isFalse();
    }

    @Test
    void readsAKafkaStyleFileThenOverrides() throws Exception {
        Path file = dir.resolve("server.properties");
        Files.writeString(file, "node.id=2\nlisteners=PLAINTEXT://127.0.0.1:9093\nlog.retention.ms=1000\n"
                + "raft.peers=1@127.0.0.1:19092,2@127.0.0.1:19093\nraft.server.log.segment.size.max=4MB\n");
        BrokerConfig c = BrokerConfig.load(file, Map.of("log.retention.ms", "2000"));
        assertThat(c.nodeId()).isEqualTo(2);
        assertThat(c.listener().port()).isEqualTo(9093);
        assertThat(c.get("log.retention.ms")).isEqualTo("2000");
        assertThat(c.isExplicit("log.retention.ms")).isTrue();
        assertThat(c.raftPeers()).hasSize(2);
        assertThat(c.ratisProperties()).containsEntry("raft.server.log.segment.size.max", "4MB");
    }

    @Test
    void saysWhatIsWrong() {
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("listeners", "SSL://127.0.0.1:9093")))
                .hasMessageContaining("only PLAINTEXT");
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("node.id", "x"))).hasMessageContaining("node.id");
        assertThatThrownBy(() -> BrokerConfig.of(Map.of("raft.peers", "127.0.0.1:1"))).hasMessageContaining("id@host:port");
    }
}
