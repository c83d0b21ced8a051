package io.tributary.coordinator.group;

import java.util.Map;

/**
 * Settings of the consumer group coordinator, under Kafka's property names and with Kafka's defaults.
 *
 * @param initialRebalanceDelayMs {@code group.initial.rebalance.delay.ms}: how long the first rebalance of
 *     an empty group waits for more members, extended while members keep arriving
 * @param minSessionTimeoutMs {@code group.min.session.timeout.ms}
 * @param maxSessionTimeoutMs {@code group.max.session.timeout.ms}
 * @param maxSize {@code group.max.size}: members per group
 * @param offsetsRetentionMs {@code offsets.retention.minutes}, in milliseconds
 * @param offsetMetadataMaxBytes {@code offset.metadata.max.bytes}
 * @param offsetsRetentionCheckIntervalMs {@code offsets.retention.check.interval.ms}: how often the runtime
 *     should call {@link GroupCoordinatorShard#expireOffsets()}
 */
public record GroupConfig(
        int initialRebalanceDelayMs,
        int minSessionTimeoutMs,
        int maxSessionTimeoutMs,
        int maxSize,
        long offsetsRetentionMs,
        int offsetMetadataMaxBytes,
        long offsetsRetentionCheckIntervalMs) {

    public static final String INITIAL_REBALANCE_DELAY_MS = "group.initial.rebalance.delay.ms";
    public static final String MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    public static final String MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    public static final String MAX_SIZE = "group.max.size";
    public static final String OFFSETS_RETENTION_MINUTES = "offsets.retention.minutes";
    public static final String OFFSET_METADATA_MAX_BYTES = "offset.metadata.max.bytes";
    public static final String OFFSETS_RETENTION_CHECK_INTERVAL_MS = "offsets.retention.check.interval.ms";

    public static final GroupConfig DEFAULTS = new GroupConfig(
            3000, 6000, 1_800_000, Integer.MAX_VALUE, 10080L * 60_000L, 4096, 600_000L);

    public GroupConfig {
        requireAtLeast(INITIAL_REBALANCE_DELAY_MS, initialRebalanceDelayMs, 0);
        requireAtLeast(MIN_SESSION_TIMEOUT_MS, minSessionTimeoutMs, 0);
        requireAtLeast(MAX_SESSION_TIMEOUT_MS, maxSessionTimeoutMs, minSessionTimeoutMs);
        requireAtLeast(MAX_SIZE, maxSize, 1);
        requireAtLeast("offsetsRetentionMs", offsetsRetentionMs, 1);
        requireAtLeast(OFFSET_METADATA_MAX_BYTES, offsetMetadataMaxBytes, 0);
        requireAtLeast(OFFSETS_RETENTION_CHECK_INTERVAL_MS, offsetsRetentionCheckIntervalMs, 1);
    }

    /** Reads the settings from broker properties; absent keys take Kafka's defaults. */
    public static GroupConfig from(Map<String, String> props) {
        GroupConfig d = DEFAULTS;
        int retentionMinutes = intProp(props, OFFSETS_RETENTION_MINUTES, (int) (d.offsetsRetentionMs / 60_000L));
        requireAtLeast(OFFSETS_RETENTION_MINUTES, retentionMinutes, 1);
        return new GroupConfig(
                intProp(props, INITIAL_REBALANCE_DELAY_MS, d.initialRebalanceDelayMs),
                intProp(props, MIN_SESSION_TIMEOUT_MS, d.minSessionTimeoutMs),
                intProp(props, MAX_SESSION_TIMEOUT_MS, d.maxSessionTimeoutMs),
                intProp(props, MAX_SIZE, d.maxSize),
                retentionMinutes * 60_000L,
                intProp(props, OFFSET_METADATA_MAX_BYTES, d.offsetMetadataMaxBytes),
                longProp(props, OFFSETS_RETENTION_CHECK_INTERVAL_MS, d.offsetsRetentionCheckIntervalMs));
    }

    private static int intProp(Map<String, String> props, String name, int def) {
        String v = props.get(name);
        if (v == null) {
            return def;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an int, got '" + v + "'");
        }
    }

    private static long longProp(Map<String, String> props, String name, long def) {
        String v = props.get(name);
        if (v == null) {
            return def;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a long, got '" + v + "'");
        }
    }

    private static void requireAtLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be at least " + min + ", got " + value);
        }
    }
}
