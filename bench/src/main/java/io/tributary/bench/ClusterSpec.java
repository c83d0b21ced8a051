package io.tributary.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a {@link ClusterLauncher} starts: how many brokers, each broker JVM's maximum heap, and
 * broker settings under Kafka's names that every system gets alike.
 *
 * @param brokers      number of broker processes (Kafka: combined broker and controller nodes)
 * @param heap         the JVM's {@code -Xmx} value for every broker, e.g. "1g"
 * @param settings     broker settings given to every broker of every system; see {@link #commonSettings}
 * @param startTimeout how long the cluster may take to answer with all its brokers
 * @param keepLogs     keep each broker's log and configuration (not its data) after the cluster stops
 */
record ClusterSpec(int brokers, String heap, Map<String, String> settings, Duration startTimeout, boolean keepLogs) {

    ClusterSpec {
        if (brokers < 1) {
            throw new IllegalArgumentException("brokers must be at least 1: " + brokers);
        }
        settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    /**
     * The settings both systems get before {@code extra} (which wins): no initial group rebalance
     * delay (as in Kafka's shipped server.properties), internal topics replicated over
     * min(3, brokers) brokers and, with 3 or more brokers, {@code min.insync.replicas=2}.
     */
    static Map<String, String> commonSettings(int brokers, Map<String, String> extra) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("group.initial.rebalance.delay.ms", "0");
        s.put("offsets.topic.replication.factor", Integer.toString(Math.min(3, brokers)));
        if (brokers >= 3) {
            s.put("min.insync.replicas", "2");
        }
        s.putAll(extra);
        return s;
    }

    /** A replication factor that fits this cluster: min(3, brokers). */
    short fittingReplicationFactor() {
        return (short) Math.min(3, brokers);
    }
}
