package io.tributary.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The flags every benchmark that starts its own clusters shares: size, heap, broker settings and
 * where the Tributary jar is. Each benchmark's parser offers its flags to {@link #accept} first.
 */
final class ClusterOptions {
    static final String USAGE = """
              --brokers N           brokers per cluster, for every system (default %d)
              --heap SIZE           -Xmx of every broker JVM, both systems alike (default 1g)
              --broker-setting K=V  a broker setting under Kafka's name, given to every broker of both
                                    systems (Kafka: server.properties; Tributary: --override); repeat
              --tributary-jar PATH  the Tributary broker jar (default wire/target/tributary-broker.jar)
              --start-timeout N     seconds a cluster may take to list all its brokers (default 120)
              --keep-logs           keep every broker's log and configuration (data deleted) in its temp
                                    folder, with raft-terms.txt for Tributary (elections per group)
            """;

    static final Path DEFAULT_JAR = Path.of("wire", "target", "tributary-broker.jar");

    private int brokers;
    private String heap = "1g";
    private final Map<String, String> settings = new LinkedHashMap<>();
    private Path jar = DEFAULT_JAR;
    private int startTimeoutSeconds = 120;
    private boolean keepLogs;

    ClusterOptions(int defaultBrokers) {
        this.brokers = defaultBrokers;
    }

    static String usage(int defaultBrokers) {
        return String.format(USAGE, defaultBrokers);
    }

    /**
     * If {@code args[i]} is one of these flags, takes it (and its value) and returns the index of the
     * last argument taken; otherwise returns -1.
     */
    int accept(String[] args, int i) {
        String flag = args[i];
        switch (flag) {
            case "--brokers" -> brokers = Cli.positiveInt(flag, Cli.value(args, i + 1, flag));
            case "--heap" -> heap = Cli.value(args, i + 1, flag);
            case "--broker-setting" -> Cli.keyValue(flag, Cli.value(args, i + 1, flag), settings);
            case "--tributary-jar" -> jar = Path.of(Cli.value(args, i + 1, flag));
            case "--start-timeout" -> startTimeoutSeconds = Cli.positiveInt(flag, Cli.value(args, i + 1, flag));
            case "--keep-logs" -> {
                keepLogs = true;
                return i;
            }
            default -> {
                return -1;
            }
        }
        return i + 1;
    }

    int brokers() {
        return brokers;
    }

    ClusterSpec spec() {
        return new ClusterSpec(brokers, heap, ClusterSpec.commonSettings(brokers, settings),
                Duration.ofSeconds(startTimeoutSeconds), keepLogs);
    }

    /** "kafka" or "tributary". */
    ClusterLauncher launcher(String system) {
        return switch (system.trim()) {
            case "kafka" -> new KafkaCluster();
            case "tributary" -> new TributaryCluster(jar);
            default -> throw new IllegalArgumentException("unknown system '" + system + "': use kafka or tributary");
        };
    }

    /** Launchers for a comma-separated list such as "kafka,tributary" (the first is A in ratios). */
    List<ClusterLauncher> launchers(String systems) {
        List<ClusterLauncher> out = new ArrayList<>();
        for (String s : systems.split(",")) {
            if (!s.isBlank()) {
                out.add(launcher(s));
            }
        }
        if (out.isEmpty() || out.stream().map(ClusterLauncher::name).distinct().count() != out.size()) {
            throw new IllegalArgumentException("--systems needs distinct names from kafka,tributary: " + systems);
        }
        return out;
    }

    /** One line for the header of a run: brokers, heap and the settings both systems got. */
    String describe() {
        ClusterSpec s = spec();
        return String.format("%d broker(s) per system, -Xmx%s each; broker settings for both: %s",
                s.brokers(), s.heap(), s.settings());
    }
}
