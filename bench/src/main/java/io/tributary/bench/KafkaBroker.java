package io.tributary.bench;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.Uuid;

/**
 * An Apache Kafka broker (the kafka_2.13 jar on this module's classpath) running as a separate
 * JVM: single node, KRaft combined mode (broker and controller in one process), plaintext
 * listeners on 127.0.0.1 with free ports, data in a temp folder that {@link #close()} deletes.
 * Settings are Kafka's defaults except what a single node needs (replication factor 1 for
 * internal topics) and no initial group rebalance delay, as in Kafka's shipped server.properties.
 */
public final class KafkaBroker implements AutoCloseable {
    /** Heap of the broker JVM, as kafka-server-start.sh sets it. */
    static final List<String> BROKER_HEAP = List.of("-Xms1g", "-Xmx1g");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path home;
    private final Process process;
    private final String bootstrap;

    private KafkaBroker(Path home, Process process, String bootstrap) {
        this.home = home;
        this.process = process;
        this.bootstrap = bootstrap;
    }

    /** Formats storage, starts the broker process and waits until it answers describeCluster. */
    public static KafkaBroker start() throws Exception {
        Path home = ChildProcesses.tempDir("tributary-bench-kafka-");
        try {
            int brokerPort = Ports.freePort();
            int controllerPort = Ports.freePort();
            Path config = writeConfig(home, brokerPort, controllerPort);
            format(home, config);
            Path log = home.resolve("broker.log");
            Process process = ChildProcesses.start(
                    ChildProcesses.javaCommand(jvmFlags(), "kafka.Kafka", List.of(config.toString())),
                    home, log);
            String bootstrap = Ports.LOOPBACK + ":" + brokerPort;
            KafkaBroker broker = new KafkaBroker(home, process, bootstrap);
            try {
                AdminOps.awaitReady(bootstrap, START_TIMEOUT, process::isAlive);
            } catch (Exception e) {
                String tail = ChildProcesses.tail(log, 30);
                broker.close();
                throw new IllegalStateException("Kafka did not start; last lines of its log:\n" + tail, e);
            }
            return broker;
        } catch (Exception e) {
            ChildProcesses.deleteTree(home);
            throw e;
        }
    }

    /** The "127.0.0.1:port" address of the PLAINTEXT listener. */
    public String bootstrap() {
        return bootstrap;
    }

    /** The folder holding server.properties, broker.log and the data directory. */
    public Path home() {
        return home;
    }

    @Override
    public void close() {
        ChildProcesses.kill(process, Duration.ofSeconds(15));
        ChildProcesses.deleteTree(home);
    }

    private static List<String> jvmFlags() {
        List<String> flags = new ArrayList<>(BROKER_HEAP);
        flags.addAll(ChildProcesses.KAFKA_RUN_CLASS_FLAGS);
        return flags;
    }

    private static Path writeConfig(Path home, int brokerPort, int controllerPort) throws IOException {
        String host = Ports.LOOPBACK;
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("listeners",
                "PLAINTEXT://" + host + ":" + brokerPort + ",CONTROLLER://" + host + ":" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + host + ":" + brokerPort);
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("controller.quorum.bootstrap.servers", host + ":" + controllerPort);
        p.setProperty("log.dirs", home.resolve("data").toString());
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        Path file = home.resolve("server.properties");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(w, "single-node KRaft broker for tributary-bench");
        }
        return file;
    }

    /** kafka-storage.sh format --standalone: a single-voter dynamic KRaft quorum. */
    private static void format(Path home, Path config) throws Exception {
        Path log = home.resolve("format.log");
        List<String> args = List.of("format", "--cluster-id", Uuid.randomUuid().toString(),
                "--config", config.toString(), "--standalone");
        List<String> flags = new ArrayList<>(List.of("-Xmx256m"));
        flags.addAll(ChildProcesses.KAFKA_RUN_CLASS_FLAGS);
        int exit = ChildProcesses.run(ChildProcesses.javaCommand(flags, "kafka.tools.StorageTool", args),
                log, Duration.ofSeconds(60));
        if (exit != 0) {
            throw new IllegalStateException("kafka.tools.StorageTool format failed (exit " + exit + "):\n"
                    + ChildProcesses.tail(log, 20));
        }
    }
}
