package io.tributary.bench;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;

/**
 * Apache Kafka (the kafka_2.13 jar on this module's classpath) as N child JVMs, each a combined
 * KRaft broker and controller (so the controller quorum is the N nodes, as the Raft group of
 * Tributary's metadata is its brokers), with plaintext listeners on free 127.0.0.1 ports and a
 * static voter set. Settings are Kafka's defaults except: internal topics replicated over
 * min(3, N) nodes (transaction state log min ISR min(2, N)), and the {@link ClusterSpec} settings.
 */
final class KafkaCluster implements ClusterLauncher {
    private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(120);

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public BrokerCluster start(ClusterSpec spec) throws Exception {
        Path home = ChildProcesses.tempDir("tributary-bench-kafka-");
        try {
            int n = spec.brokers();
            int[] brokerPorts = new int[n];
            int[] controllerPorts = new int[n];
            for (int i = 0; i < n; i++) {
                brokerPorts[i] = Ports.freePort();
                controllerPorts[i] = Ports.freePort();
            }
            StringBuilder voters = new StringBuilder();
            for (int i = 0; i < n; i++) {
                voters.append(i == 0 ? "" : ",").append(i + 1).append('@').append(Ports.LOOPBACK)
                        .append(':').append(controllerPorts[i]);
            }
            String clusterId = Uuid.randomUuid().toString();
            List<BrokerCluster.Launch> launches = new ArrayList<>();
            List<Path> configs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int id = i + 1;
                Path nodeDir = Files.createDirectories(home.resolve("node-" + id));
                Path data = nodeDir.resolve("data");
                Path config = writeConfig(nodeDir, id, brokerPorts[i], controllerPorts[i], voters.toString(),
                        data, spec);
                configs.add(config);
                launches.add(new BrokerCluster.Launch(id,
                        ChildProcesses.javaCommand(jvmFlags(spec), "kafka.Kafka", List.of(config.toString())),
                        brokerPorts[i], data, nodeDir.resolve("broker.log")));
            }
            format(home, clusterId, configs);
            return BrokerCluster.launch(name(), home, launches, spec);
        } catch (Exception e) {
            ChildProcesses.deleteTree(home);
            throw e;
        }
    }

    private static List<String> jvmFlags(ClusterSpec spec) {
        List<String> flags = new ArrayList<>(List.of("-Xmx" + spec.heap()));
        flags.addAll(ChildProcesses.KAFKA_RUN_CLASS_FLAGS);
        return flags;
    }

    private static Path writeConfig(Path nodeDir, int id, int brokerPort, int controllerPort, String voters,
                                    Path data, ClusterSpec spec) throws IOException {
        String host = Ports.LOOPBACK;
        int n = spec.brokers();
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", Integer.toString(id));
        p.setProperty("listeners",
                "PLAINTEXT://" + host + ":" + brokerPort + ",CONTROLLER://" + host + ":" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + host + ":" + brokerPort);
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("controller.quorum.voters", voters);
        p.setProperty("log.dirs", data.toString());
        String rf = Integer.toString(Math.min(3, n));
        String minIsr = Integer.toString(Math.min(2, n));
        p.setProperty("offsets.topic.replication.factor", rf);
        p.setProperty("transaction.state.log.replication.factor", rf);
        p.setProperty("transaction.state.log.min.isr", minIsr);
        p.setProperty("share.coordinator.state.topic.replication.factor", rf);
        p.setProperty("share.coordinator.state.topic.min.isr", minIsr);
        for (Map.Entry<String, String> e : spec.settings().entrySet()) {
            p.setProperty(e.getKey(), e.getValue());
        }
        Path file = nodeDir.resolve("server.properties");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(w, "KRaft combined node " + id + " of " + n + " for tributary-bench");
        }
        return file;
    }

    /** kafka-storage.sh format for every node at once (static quorum: no --standalone needed). */
    private static void format(Path home, String clusterId, List<Path> configs) throws Exception {
        List<String> flags = new ArrayList<>(List.of("-Xmx256m"));
        flags.addAll(ChildProcesses.KAFKA_RUN_CLASS_FLAGS);
        List<Process> running = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try {
            for (Path config : configs) {
                Path log = config.resolveSibling("format.log");
                logs.add(log);
                running.add(ChildProcesses.start(ChildProcesses.javaCommand(flags, "kafka.tools.StorageTool",
                        List.of("format", "--cluster-id", clusterId, "--config", config.toString())), home, log));
            }
            long deadline = System.nanoTime() + FORMAT_TIMEOUT.toNanos();
            for (int i = 0; i < running.size(); i++) {
                Process p = running.get(i);
                long left = Math.max(0, deadline - System.nanoTime());
                if (!p.waitFor(left, TimeUnit.NANOSECONDS)) {
                    throw new IllegalStateException("kafka.tools.StorageTool format timed out after " + FORMAT_TIMEOUT);
                }
                if (p.exitValue() != 0) {
                    throw new IllegalStateException("kafka.tools.StorageTool format failed (exit " + p.exitValue()
                            + "):\n" + ChildProcesses.tail(logs.get(i), 20));
                }
            }
        } finally {
            ChildProcesses.killAll(running, Duration.ofSeconds(5));
        }
    }
}
