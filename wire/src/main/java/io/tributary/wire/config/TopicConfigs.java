package io.tributary.wire.config;

import io.tributary.replication.partition.TopicSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The topic-level settings Tributary knows, under Kafka's names, each with the broker setting that
 * gives its default (as in Kafka: {@code retention.ms} defaults to {@code log.retention.ms}).
 */
public final class TopicConfigs {
    /** A config's value type, as DescribeConfigs reports it. */
    public enum Type { BOOLEAN, STRING, INT, SHORT, LONG, DOUBLE, LIST }

    /** One topic config: its name, its broker-level default setting and value, and its type. */
    public record Definition(String name, String brokerKey, String defaultValue, Type type, String doc) {
    }

    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String TIMESTAMP_TYPE = "message.timestamp.type";

    private static final String WEEK_MS = String.valueOf(7L * 24 * 3600 * 1000);

    public static final List<Definition> DEFINITIONS = List.of(
            def(CLEANUP_POLICY, "log.cleanup.policy", "delete", Type.LIST, "delete or compact: what happens to old segments"),
            def("compression.type", "compression.type", "producer", Type.STRING, "the final compression of the topic's data"),
            def("delete.retention.ms", "log.cleaner.delete.retention.ms", "86400000", Type.LONG, "how long delete tombstones are kept on compacted topics"),
            def("file.delete.delay.ms", "log.segment.delete.delay.ms", "60000", Type.LONG, "time before a deleted segment's file is closed"),
            def("flush.messages", "log.flush.interval.messages", String.valueOf(Long.MAX_VALUE), Type.LONG, "records between forced flushes (the Raft log is fsynced regardless)"),
            def("flush.ms", "log.flush.interval.ms", String.valueOf(Long.MAX_VALUE), Type.LONG, "time between forced flushes (the Raft log is fsynced regardless)"),
            def("index.interval.bytes", "log.index.interval.bytes", "4096", Type.INT, "bytes between offset index entries"),
            def("max.message.bytes", "message.max.bytes", "1048588", Type.INT, "largest record batch the topic accepts"),
            def("message.timestamp.after.max.ms", "log.message.timestamp.after.max.ms", "3600000", Type.LONG, "how far in the future a CreateTime timestamp may be"),
            def("message.timestamp.before.max.ms", "log.message.timestamp.before.max.ms", String.valueOf(Long.MAX_VALUE), Type.LONG, "how far in the past a CreateTime timestamp may be"),
            def(TIMESTAMP_TYPE, "log.message.timestamp.type", "CreateTime", Type.STRING, "CreateTime or LogAppendTime"),
            def("min.cleanable.dirty.ratio", "log.cleaner.min.cleanable.ratio", "0.5", Type.DOUBLE, "compaction trigger ratio"),
            def("min.compaction.lag.ms", "log.cleaner.min.compaction.lag.ms", "0", Type.LONG, "minimum age before a record may be compacted"),
            def("min.insync.replicas", "min.insync.replicas", "1", Type.INT, "replicas that must have a write for acks=all"),
            def("preallocate", "log.preallocate", "false", Type.BOOLEAN, "whether segment files are preallocated"),
            def("retention.bytes", "log.retention.bytes", "-1", Type.LONG, "largest size of a partition before old segments are deleted"),
            def("retention.ms", "log.retention.ms", WEEK_MS, Type.LONG, "age after which closed segments are deleted"),
            def("segment.bytes", "log.segment.bytes", String.valueOf(1 << 30), Type.INT, "segment file size"),
            def("segment.index.bytes", "log.index.size.max.bytes", String.valueOf(10 * 1024 * 1024), Type.INT, "largest index file"),
            def("segment.ms", "log.roll.ms", WEEK_MS, Type.LONG, "age after which a segment is rolled"),
            def("unclean.leader.election.enable", "unclean.leader.election.enable", "false", Type.BOOLEAN, "never applies: Raft elects only up-to-date leaders"));

    private static Definition def(String name, String brokerKey, String defaultValue, Type type, String doc) {
        return new Definition(name, brokerKey, defaultValue, type, doc);
    }

    private static final Map<String, Definition> BY_NAME = byName();

    private static Map<String, Definition> byName() {
        Map<String, Definition> m = new LinkedHashMap<>();
        DEFINITIONS.forEach(d -> m.put(d.name(), d));
        return m;
    }

    private TopicConfigs() {
    }

    public static Optional<Definition> definition(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** Broker-level settings and their defaults, for {@link BrokerConfig}. */
    static Map<String, String> brokerDefaults() {
        Map<String, String> m = new LinkedHashMap<>();
        DEFINITIONS.forEach(d -> m.put(d.brokerKey(), d.defaultValue()));
        return m;
    }

    /** A topic config's value: the topic's override, else the broker's setting. */
    public static String effective(String name, Map<String, String> overrides, BrokerConfig broker) {
        String v = overrides.get(name);
        if (v != null) {
            return v;
        }
        Definition d = BY_NAME.get(name);
        return d == null ? null : broker.get(d.brokerKey());
    }

    /** Why {@code value} is not acceptable for config {@code name}, or null if it is. */
    public static String validate(String name, String value) {
        Definition d = BY_NAME.get(name);
        if (d == null) {
            return "Unknown topic config name: " + name;
        }
        if (value == null) {
            return null;
        }
        try {
            switch (d.type()) {
                case INT -> Integer.parseInt(value.trim());
                case SHORT -> Short.parseShort(value.trim());
                case LONG -> Long.parseLong(value.trim());
                case DOUBLE -> Double.parseDouble(value.trim());
                case BOOLEAN -> {
                    if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                        return "Invalid value " + value + " for configuration " + name + ": Expected value to be either true or false";
                    }
                }
                default -> { }
            }
        } catch (NumberFormatException e) {
            return "Invalid value " + value + " for configuration " + name + ": Not a number of type " + d.type();
        }
        if (name.equals(TIMESTAMP_TYPE) && !value.equals("CreateTime") && !value.equals("LogAppendTime")) {
            return "Invalid value " + value + " for configuration " + name + ": String must be one of: CreateTime, LogAppendTime";
        }
        if (name.equals(CLEANUP_POLICY)) {
            for (String p : value.split(",")) {
                if (!p.trim().equals("delete") && !p.trim().equals("compact")) {
                    return "Invalid value " + value + " for configuration " + name + ": String must be one of: compact, delete";
                }
            }
        }
        try {
            TopicSettings.of(Map.of(name, value));
        } catch (IllegalArgumentException e) {
            return "Invalid value " + value + " for configuration " + name + ": " + e.getMessage();
        }
        return null;
    }

    /** Every topic config of a topic with these overrides on this broker: the overrides over the broker's settings. */
    public static Map<String, String> effective(Map<String, String> overrides, BrokerConfig broker) {
        Map<String, String> effective = new LinkedHashMap<>();
        for (Definition d : DEFINITIONS) {
            effective.put(d.name(), effective(d.name(), overrides, broker));
        }
        return effective;
    }
}
