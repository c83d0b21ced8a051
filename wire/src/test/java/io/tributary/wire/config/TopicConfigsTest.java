package io.tributary.wire.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicConfigsTest {
    private final BrokerConfig broker = BrokerConfig.of(Map.of("log.retention.ms", "5000"));

    @Test
    void topicOverridesWinOverBrokerSettingsWhichWinOverDefaults() {
        assertThat(TopicConfigs.effective("retention.ms", Map.of("retention.ms", "7"), broker)).isEqualTo("7");
        assertThat(TopicConfigs.effective("retention.ms", Map.of(), broker)).isEqualTo("5000");
        assertThat(TopicConfigs.effective("segment.bytes", Map.of(), broker)).isEqualTo(String.valueOf(1 << 30));
        assertThat(TopicConfigs.effective(Map.of("segment.bytes", "2048"), broker))
                .containsEntry("segment.bytes", "2048").containsEntry("retention.ms", "5000")
                .containsEntry("cleanup.policy", "delete").hasSize(TopicConfigs.DEFINITIONS.size());
    }

    @Test
    void rejectsUnknownNamesAndBadValuesWithKafkasMessages() {
        assertThat(TopicConfigs.validate("retention.ms", "100")).isNull();
        assertThat(TopicConfigs.validate("no.such.config", "1")).contains("Unknown topic config name");
        assertThat(TopicConfigs.validate("retention.ms", "soon")).contains("Invalid value soon");
        assertThat(TopicConfigs.validate("message.timestamp.type", "Now")).contains("CreateTime, LogAppendTime");
        assertThat(TopicConfigs.validate("cleanup.policy", "compact,delete")).isNull();
        assertThat(TopicConfigs.validate("segment.bytes", "1")).contains("Invalid value 1");
    }

    @Test
    void describesSourcesAndSynonymsMostSpecificFirst() {
        TopicConfigDescriber d = new TopicConfigDescriber(broker);
        TopicConfigDescriber.Described retention = d.describe(Map.of("retention.ms", "9")).stream()
                .filter(c -> c.name().equals("retention.ms")).findFirst().orElseThrow();
        assertThat(retention.value()).isEqualTo("9");
        assertThat(retention.synonyms()).extracting(TopicConfigDescriber.Synonym::name)
                .containsExactly("retention.ms", "log.retention.ms", "log.retention.ms");
    }
}
