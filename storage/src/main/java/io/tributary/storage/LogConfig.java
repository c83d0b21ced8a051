package io.tributary.storage;

import java.util.Map;
import java.util.function.Function;

/**
 * Settings of one partition log, under Kafka's topic-level names. Defaults are Kafka's.
 *
 * @param segmentBytes       {@code segment.bytes}: roll to a new segment beyond this size
 * @param segmentMs          {@code segment.ms}: roll a segment older than this
 * @param retentionMs        {@code retention.ms}: delete closed segments older than this; -1 keeps forever
 * @param retentionBytes     {@code retention.bytes}: delete old segments beyond this log size; -1 for no limit
 * @param indexIntervalBytes {@code index.interval.bytes}: bytes between two index entries
 * @param segmentIndexBytes  {@code segment.index.bytes}: largest index file; a full index rolls the segment
 */
public record LogConfig(int segmentBytes, long segmentMs, long retentionMs, long retentionBytes,
                        int indexIntervalBytes, int segmentIndexBytes) {

    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";

    public static final LogConfig DEFAULTS = new LogConfig(1 << 30, 7L * 24 * 3600 * 1000,
            7L * 24 * 3600 * 1000, -1, 4096, 10 * 1024 * 1024);

    public LogConfig {
        require(segmentBytes >= BatchHeader.SIZE, SEGMENT_BYTES, segmentBytes);
        require(segmentMs >= 1, SEGMENT_MS, segmentMs);
        require(retentionMs >= -1, RETENTION_MS, retentionMs);
        require(retentionBytes >= -1, RETENTION_BYTES, retentionBytes);
        require(indexIntervalBytes >= 0, INDEX_INTERVAL_BYTES, indexIntervalBytes);
        require(segmentIndexBytes >= TimeIndex.ENTRY_SIZE, SEGMENT_INDEX_BYTES, segmentIndexBytes);
    }

    /** Reads the settings it knows from {@code props}, falling back to {@code defaults} for the others. */
    public static LogConfig from(Map<String, String> props, LogConfig defaults) {
        return new LogConfig(
                intValue(props, SEGMENT_BYTES, defaults.segmentBytes),
                longValue(props, SEGMENT_MS, defaults.segmentMs),
                longValue(props, RETENTION_MS, defaults.retentionMs),
                longValue(props, RETENTION_BYTES, defaults.retentionBytes),
                intValue(props, INDEX_INTERVAL_BYTES, defaults.indexIntervalBytes),
                intValue(props, SEGMENT_INDEX_BYTES, defaults.segmentIndexBytes));
    }

    private static int intValue(Map<String, String> props, String key, int fallback) {
        String v = props.get(key);
        return v == null ? fallback : parse(key, v, Integer::parseInt);
    }

    private static long longValue(Map<String, String> props, String key, long fallback) {
        String v = props.get(key);
        return v == null ? fallback : parse(key, v, Long::parseLong);
    }

    private static <T> T parse(String key, String value, Function<String, T> parser) {
        try {
            return parser.apply(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid value '" + value + "' for " + key + ": not a number");
        }
    }

    private static void require(boolean ok, String key, long value) {
        if (!ok) {
            throw new IllegalArgumentException("invalid value " + value + " for " + key);
        }
    }
}
