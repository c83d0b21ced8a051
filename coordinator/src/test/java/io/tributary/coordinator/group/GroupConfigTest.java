package io.tributary.coordinator.group;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GroupConfigTest {

    @Test
    void defaultsAreKafkas() {
        GroupConfig c = GroupConfig.from(Map.of());
        assertThat(c.initialRebalanceDelayMs()).isEqualTo(3000);
        assertThat(c.minSessionTimeoutMs()).isEqualTo(6000);
        assertThat(c.maxSessionTimeoutMs()).isEqualTo(1_800_000);
        assertThat(c.maxSize()).isEqualTo(Integer.MAX_VALUE);
        assertThat(c.offsetsRetentionMs()).isEqualTo(10080L * 60 * 1000);
        assertThat(c.offsetMetadataMaxBytes()).isEqualTo(4096);
        assertThat(c.offsetsRetentionCheckIntervalMs()).isEqualTo(600_000L);
        assertThat(c).isEqualTo(GroupConfig.DEFAULTS);
    }

    @Test
    void readsKafkaPropertyNames() {
        GroupConfig c = GroupConfig.from(Map.of(
                "group.initial.rebalance.delay.ms", "0",
                "group.min.session.timeout.ms", "100",
                "group.max.session.timeout.ms", "200",
                "group.max.size", "3",
                "offsets.retention.minutes", "2",
                "offset.metadata.max.bytes", " 10 ",
                "offsets.retention.check.interval.ms", "5000"));
        assertThat(c).isEqualTo(new GroupConfig(0, 100, 200, 3, 120_000L, 10, 5000L));
    }

    @Test
    void rejectsBadValues() {
        assertThatThrownBy(() -> GroupConfig.from(Map.of("group.max.size", "many")))
                .hasMessageContaining("group.max.size");
        assertThatThrownBy(() -> GroupConfig.from(Map.of("group.max.size", "0")))
                .hasMessageContaining("group.max.size");
        assertThatThrownBy(() -> GroupConfig.from(Map.of("group.min.session.timeout.ms", "9000",
                "group.max.session.timeout.ms", "8000")))
                .hasMessageContaining("group.max.session.timeout.ms");
        assertThatThrownBy(() -> GroupConfig.from(Map.of("offsets.retention.minutes", "0")))
                .hasMessageContaining("offsets.retention.minutes");
    }
}
