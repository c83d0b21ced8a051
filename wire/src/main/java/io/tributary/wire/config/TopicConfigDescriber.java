package io.tributary.wire.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

/**
 * Describes configs as DescribeConfigs and CreateTopics report them: each value with its source (topic
 * override, broker setting, default), type, documentation and synonyms, most specific first.
 */
public final class TopicConfigDescriber {
    private final BrokerConfig broker;

    public TopicConfigDescriber(BrokerConfig broker) {
        this.broker = broker;
    }

    /** A described config. Source and type use the protocol's codes. */
    public record Described(String name, String value, byte source, byte type, String doc, boolean readOnly,
                            List<Synonym> synonyms) {
    }

    /** Another setting that gives (or would give) the value, with its source. */
    public record Synonym(String name, String value, byte source) {
    }

    /** Every topic config for a topic with these overrides. */
    public List<Described> describe(Map<String, String> overrides) {
        List<Described> out = new ArrayList<>();
        for (TopicConfigs.Definition d : TopicConfigs.DEFINITIONS) {
            List<Synonym> synonyms = new ArrayList<>();
            if (overrides.containsKey(d.name())) {
                synonyms.add(new Synonym(d.name(), overrides.get(d.name()), ConfigSource.TOPIC_CONFIG.id()));
            }
            if (broker.isExplicit(d.brokerKey())) {
                synonyms.add(new Synonym(d.brokerKey(), broker.get(d.brokerKey()), ConfigSource.STATIC_BROKER_CONFIG.id()));
            }
            synonyms.add(new Synonym(d.brokerKey(), d.defaultValue(), ConfigSource.DEFAULT_CONFIG.id()));
            Synonym effective = synonyms.get(0);
            out.add(new Described(d.name(), effective.value(), effective.source(), typeOf(d.type()), d.doc(), false, synonyms));
        }
        return out;
    }

    /** Every broker setting, read-only (they are static). */
    public List<Described> describeBroker() {
        List<Described> out = new ArrayList<>();
        broker.all().forEach((name, value) -> {
            byte source = broker.isExplicit(name) ? ConfigSource.STATIC_BROKER_CONFIG.id() : ConfigSource.DEFAULT_CONFIG.id();
            out.add(new Described(name, value, source, ConfigType.STRING.id(), null, true,
                    List.of(new Synonym(name, value, source))));
        });
        return out;
    }

    private static byte typeOf(TopicConfigs.Type type) {
        return switch (type) {
            case BOOLEAN -> ConfigType.BOOLEAN.id();
            case STRING -> ConfigType.STRING.id();
            case INT -> ConfigType.INT.id();
            case SHORT -> ConfigType.SHORT.id();
            case LONG -> ConfigType.LONG.id();
            case DOUBLE -> ConfigType.DOUBLE.id();
            case LIST -> ConfigType.LIST.id();
        };
    }
}
