package io.tributary.replication.partition;

import io.tributary.storage.LogConfig;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What a topic's configs mean to its partitions: the log settings, the produce validation rules and
 * {@code min.insync.replicas}, read from the topic's effective configs (Kafka's topic-level names, the
 * topic's overrides over the broker's defaults).
 */
public record TopicSettings(LogConfig log, BatchValidator.Rules produce, int minInsyncReplicas) {

    /**
     * Reads the settings from a topic's effective configs; a setting missing from them takes Kafka's
     * default. Throws IllegalArgumentException, naming the config, for a value that is not acceptable.
     */
    public static TopicSettings of(Map<String, String> effective) {
        BatchValidator.Rules produce = new BatchValidator.Rules(
                intValue(effective, "max.message.bytes", 1_048_588),
                "LogAppendTime".equals(effective.getOrDefault("message.timestamp.type", "CreateTime")),
                longValue(effective, "message.timestamp.before.max.ms", Long.MAX_VALUE),
                longValue(effective, "message.timestamp.after.max.ms", 3_600_000L),
                effective.getOrDefault("cleanup.policy", "delete").contains("compact"));
        return new TopicSettings(LogConfig.from(effective, LogConfig.DEFAULTS), produce,
                intValue(effective, "min.insync.replicas", 1));
    }

    /**
     * Settings by a topic's config overrides, remembered so that a produce request does not parse them
     * again: {@code withDefaults} turns overrides into the effective configs.
     */
    public static Function<Map<String, String>, TopicSettings> resolver(UnaryOperator<Map<String, String>> withDefaults) {
        Map<Map<String, String>, TopicSettings> known = new ConcurrentHashMap<>();
        return overrides -> {
            TopicSettings settings = known.get(overrides);
            if (settings == null) {
                settings = of(withDefaults.apply(overrides));
                if (known.size() > 1024) {
                    known.clear();
                }
                known.put(Map.copyOf(overrides), settings);
            }
            return settings;
        };
    }

    private static int intValue(Map<String, String> configs, String name, int fallback) {
        return parse(configs, name, fallback, Integer::parseInt);
    }

    private static long longValue(Map<String, String> configs, String name, long fallback) {
        return parse(configs, name, fallback, Long::parseLong);
    }

    private static <T> T parse(Map<String, String> configs, String name, T fallback, Function<String, T> parser) {
        String v = configs.get(name);
        try {
            return v == null ? fallback : parser.apply(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid value '" + v + "' for " + name + ": not a number");
        }
    }
}
