package io.tributary.wire.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The broker's settings, read from a Kafka-style {@code server.properties} plus overrides, under Kafka's
 * property names wherever the concept exists. Tributary's own settings live under {@code raft.}.
 */
public final class BrokerConfig {
    public static final String NODE_ID = "node.id";
    public static final String LISTENERS = "listeners";
    public static final String ADVERTISED_LISTENERS = "advertised.listeners";
    public static final String LOG_DIRS = "log.dirs";
    public static final String LOG_DIR = "log.dir";
    public static final String NUM_PARTITIONS = "num.partitions";
    public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    public static final String AUTO_CREATE_TOPICS = "auto.create.topics.enable";
    public static final String MESSAGE_MAX_BYTES = "message.max.bytes";
    public static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
    public static final String RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    public static final String PRODUCER_ID_EXPIRATION_MS = "producer.id.expiration.ms";
    public static final String REPLICA_LAG_TIME_MAX_MS = "replica.lag.time.max.ms";
    public static final String OFFSETS_TOPIC_PARTITIONS = "offsets.topic.num.partitions";
    public static final String OFFSETS_TOPIC_REPLICATION_FACTOR = "offsets.topic.replication.factor";
    public static final String OFFSETS_TOPIC_SEGMENT_BYTES = "offsets.topic.segment.bytes";
    public static final String TRANSACTION_TOPIC_PARTITIONS = "transaction.state.log.num.partitions";
    public static final String TRANSACTION_TOPIC_REPLICATION_FACTOR = "transaction.state.log.replication.factor";
    public static final String TRANSACTION_TOPIC_MIN_ISR = "transaction.state.log.min.isr";
    public static final String TRANSACTION_TOPIC_SEGMENT_BYTES = "transaction.state.log.segment.bytes";
    public static final String TRANSACTION_MAX_TIMEOUT_MS = "transaction.max.timeout.ms";
    public static final String TRANSACTIONAL_ID_EXPIRATION_MS = "transactional.id.expiration.ms";
    public static final String TRANSACTION_ABORT_INTERVAL_MS = "transaction.abort.timed.out.transaction.cleanup.interval.ms";
    public static final String TRANSACTION_REMOVE_EXPIRED_INTERVAL_MS = "transaction.remove.expired.transaction.cleanup.interval.ms";
    /** Kafka's finalized feature of that name: 2 serves transaction protocol version 2 to clients that can use it. */
    public static final String TRANSACTION_VERSION = "transaction.version";
    public static final String RAFT_ADDRESS = "raft.address";
    public static final String RAFT_PEERS = "raft.peers";
    public static final String RAFT_GROUPS_PER_BROKER = "raft.groups.per.broker";
    public static final String RAFT_JOIN = "raft.join";

    /** Defaults of the broker-level settings Tributary reads; Kafka's defaults where Kafka has the setting. */
    static final Map<String, String> DEFAULTS = defaults();

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(NODE_ID, "1");
        d.put(LISTENERS, "PLAINTEXT://127.0.0.1:9092");
        d.put(LOG_DIRS, "./data");
        d.put(NUM_PARTITIONS, "1");
        d.put(DEFAULT_REPLICATION_FACTOR, "1");
        d.put(AUTO_CREATE_TOPICS, "true");
        d.put(MESSAGE_MAX_BYTES, "1048588");
        d.put(SOCKET_REQUEST_MAX_BYTES, "104857600");
        d.put(RETENTION_CHECK_INTERVAL_MS, "300000");
        d.put(PRODUCER_ID_EXPIRATION_MS, "86400000");
        d.put(REPLICA_LAG_TIME_MAX_MS, "30000");
        d.put(OFFSETS_TOPIC_PARTITIONS, "50");
        d.put(OFFSETS_TOPIC_REPLICATION_FACTOR, "3");
        d.put(OFFSETS_TOPIC_SEGMENT_BYTES, "104857600");
        d.put(TRANSACTION_TOPIC_PARTITIONS, "50");
        d.put(TRANSACTION_TOPIC_REPLICATION_FACTOR, "3");
        d.put(TRANSACTION_TOPIC_MIN_ISR, "2");
        d.put(TRANSACTION_TOPIC_SEGMENT_BYTES, "104857600");
        d.put(TRANSACTION_MAX_TIMEOUT_MS, "900000");
        d.put(TRANSACTIONAL_ID_EXPIRATION_MS, "604800000");
        d.put(TRANSACTION_ABORT_INTERVAL_MS, "10000");
        d.put(TRANSACTION_REMOVE_EXPIRED_INTERVAL_MS, "3600000");
        d.put(TRANSACTION_VERSION, "2");
        d.put(RAFT_ADDRESS, "127.0.0.1:19092");
        d.put(RAFT_GROUPS_PER_BROKER, "4");
        TopicConfigs.brokerDefaults().forEach(d::putIfAbsent);
        return d;
    }

    private final Map<String, String> values;
    private final Set<String> explicit;

    private BrokerConfig(Map<String, String> values, Set<String> explicit) {
        this.values = values;
        this.explicit = explicit;
    }

    /** Whether {@code key} was set in the config file or an override, rather than defaulted. */
    public boolean isExplicit(String key) {
        return explicit.contains(key);
    }

    /** Loads {@code file} (may be null) and then applies {@code overrides} on top. */
    public static BrokerConfig load(Path file, Map<String, String> overrides) throws IOException {
        Map<String, String> v = new TreeMap<>(DEFAULTS);
        Set<String> explicit = new TreeSet<>();
        if (file != null) {
            Properties props = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                props.load(r);
            }
            props.stringPropertyNames().forEach(k -> v.put(k, props.getProperty(k).trim()));
            explicit.addAll(props.stringPropertyNames());
        }
        v.putAll(overrides);
        explicit.addAll(overrides.keySet());
        if (!v.containsKey(RAFT_PEERS)) {
            v.put(RAFT_PEERS, v.get(NODE_ID) + "@" + v.get(RAFT_ADDRESS));
        }
        BrokerConfig config = new BrokerConfig(v, explicit);
        config.validate();
        return config;
    }

    public static BrokerConfig of(Map<String, String> values) {
        try {
            return load(null, values);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void validate() {
        nodeId();
        listener();
        raftAddress();
        raftPeers();
        for (String key : new String[] {MESSAGE_MAX_BYTES, SOCKET_REQUEST_MAX_BYTES, NUM_PARTITIONS,
                DEFAULT_REPLICATION_FACTOR, RAFT_GROUPS_PER_BROKER}) {
            getInt(key);
        }
        transactionVersion();
    }

    public String get(String key) {
        return values.get(key);
    }

    public Map<String, String> all() {
        return Collections.unmodifiableMap(values);
    }

    public int getInt(String key) {
        try {
            return Integer.parseInt(values.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid value '" + values.get(key) + "' for " + key + ": expected an integer");
        }
    }

    public long getLong(String key) {
        try {
            return Long.parseLong(values.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid value '" + values.get(key) + "' for " + key + ": expected an integer");
        }
    }

    public boolean getBoolean(String key) {
        return Boolean.parseBoolean(values.get(key));
    }

    /** 1 or 2 (0 is taken as 1: the same protocol, with no marker versions of its own here). */
    public short transactionVersion() {
        int version = getInt(TRANSACTION_VERSION);
        if (version < 0 || version > 2) {
            throw new IllegalArgumentException(TRANSACTION_VERSION + " must be 0, 1 or 2, not " + version);
        }
        return (short) Math.max(1, version);
    }

    public int nodeId() {
        return getInt(NODE_ID);
    }

    /** The first listener, as host and port. Only PLAINTEXT is supported. */
    public HostPort listener() {
        return HostPort.parseListener(LISTENERS, values.get(LISTENERS));
    }

    /** What clients are told to connect to: {@code advertised.listeners}, else the listener. */
    public HostPort advertisedListener(int boundPort) {
        String advertised = values.get(ADVERTISED_LISTENERS);
        if (advertised != null && !advertised.isBlank()) {
            return HostPort.parseListener(ADVERTISED_LISTENERS, advertised);
        }
        HostPort l = listener();
        return new HostPort(l.host(), boundPort);
    }

    public HostPort raftAddress() {
        return HostPort.parse(RAFT_ADDRESS, values.get(RAFT_ADDRESS));
    }

    /** {@code raft.peers}: {@code id@host:port,...}, the members of the metadata group. */
    public Map<Integer, String> raftPeers() {
        Map<Integer, String> peers = new TreeMap<>();
        for (String entry : values.get(RAFT_PEERS).split(",")) {
            String e = entry.trim();
            int at = e.indexOf('@');
            if (at <= 0) {
                throw new IllegalArgumentException("invalid raft.peers entry '" + e + "': expected id@host:port");
            }
            try {
                peers.put(Integer.parseInt(e.substring(0, at)), HostPort.parse(RAFT_PEERS, e.substring(at + 1)).toString());
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("invalid raft.peers entry '" + e + "': the id is not a number");
            }
        }
        return peers;
    }

    public Path dataDir() {
        String dirs = values.getOrDefault(LOG_DIRS, values.get(LOG_DIR));
        return Path.of(dirs.split(",")[0].trim());
    }

    /** Every {@code raft.server.*} and {@code raft.grpc.*} property, for Ratis as it is. */
    public Map<String, String> ratisProperties() {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith("raft.server.") || k.startsWith("raft.grpc.")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** A host and a port. */
    public record HostPort(String host, int port) {
        static HostPort parse(String key, String value) {
            int colon = value.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("invalid " + key + " '" + value + "': expected host:port");
            }
            try {
                return new HostPort(value.substring(0, colon), Integer.parseInt(value.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid " + key + " '" + value + "': the port is not a number");
            }
        }

        static HostPort parseListener(String key, String value) {
            String first = value.split(",")[0].trim();
            int scheme = first.indexOf("://");
            if (scheme < 0) {
                throw new IllegalArgumentException("invalid " + key + " '" + value + "': expected PLAINTEXT://host:port");
            }
            String name = first.substring(0, scheme);
            if (!name.equals("PLAINTEXT")) {
                throw new IllegalArgumentException("unsupported listener " + name + " in " + key + ": only PLAINTEXT is available");
            }
            return parse(key, first.substring(scheme + 3));
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }
}
