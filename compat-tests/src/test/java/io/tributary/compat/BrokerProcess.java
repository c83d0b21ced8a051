package io.tributary.compat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * One Tributary broker running as a separate JVM from the jar named by the system property
 * {@code tributary.jar}, listening on free ports of 127.0.0.1. Its output goes to a log file that
 * {@link #logTail} reads back for failure messages.
 */
public final class BrokerProcess implements ClusterMember {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    /** The broker jar's Main-Class, for launches with a longer class path than the jar's. */
    private static final String MAIN_CLASS = "io.tributary.wire.Main";

    /** Brokers still running when the test JVM exits are killed, so none outlives a crashed run. */
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly)));
    }

    private final String name;
    private final int nodeId;
    private final int port;
    private final int raftPort;
    private final Path dataDir;
    private final boolean ownsDataDir;
    private final Path logFile;
    private final Map<String, String> overrides;
    private Process process;

    private final List<String> jvmOptions;
    private final List<Path> extraClasspath;
    private volatile boolean paused;

    private BrokerProcess(String name, Path dataDir, boolean ownsDataDir, Map<String, String> overrides)
            throws IOException {
        this(name, 1, FreePorts.take(2), dataDir, ownsDataDir, overrides, List.of(), List.of());
    }

    private BrokerProcess(String name, int nodeId, int[] ports, Path dataDir, boolean ownsDataDir,
            Map<String, String> overrides, List<String> jvmOptions, List<Path> extraClasspath) throws IOException {
        this.name = name;
        this.nodeId = nodeId;
        this.port = ports[0];
        this.raftPort = ports[1];
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
        this.overrides = Map.copyOf(overrides);
        this.jvmOptions = List.copyOf(jvmOptions);
        this.extraClasspath = List.copyOf(extraClasspath);
        Path logDir = Paths.get(System.getProperty("tributary.logDir", "target/broker-logs"));
        Files.createDirectories(logDir);
        this.logFile = logDir.resolve(name + "-" + port + ".log");
    }

    /**
     * A member of a cluster, not started yet: node id and ports are fixed by the caller (every member
     * needs the others' Raft ports for {@code raft.peers}), and so is the data directory, which
     * {@link #close} deletes. {@code jvmOptions} come before the main class; {@code extraClasspath}
     * is appended to the broker jar's.
     */
    static BrokerProcess member(String name, int nodeId, int port, int raftPort, Path dataDir,
            Map<String, String> overrides, List<String> jvmOptions, List<Path> extraClasspath) {
        try {
            return new BrokerProcess(name, nodeId, new int[] {port, raftPort}, dataDir, true, overrides,
                    jvmOptions, extraClasspath);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a broker with a fresh data directory and waits until it serves clients. */
    public static BrokerProcess start(String name) {
        return start(name, Map.of());
    }

    /** Like {@link #start(String)}, with extra {@code key=value} settings passed as overrides. */
    public static BrokerProcess start(String name, Map<String, String> overrides) {
        try {
            Path dataDir = Files.createTempDirectory("tributary-" + name + "-");
            BrokerProcess broker = new BrokerProcess(name, dataDir, true, overrides);
            broker.launch();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** "127.0.0.1:port" of the Kafka listener. */
    @Override
    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    @Override
    public int nodeId() {
        return nodeId;
    }

    public int raftPort() {
        return raftPort;
    }

    /** The operating system's process id, -1 when not started. */
    public long pid() {
        return process == null ? -1 : process.pid();
    }

    @Override
    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return logFile;
    }

    @Override
    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Whether the process is stopped by {@link #pause} (SIGSTOP) and not resumed yet. */
    @Override
    public boolean isPaused() {
        return paused && isAlive();
    }

    /** SIGSTOP: the broker freezes mid-flight, its sockets stay open, until {@link #resume}. */
    @Override
    public void pause() {
        signal("STOP");
        paused = true;
        appendToLog("=== paused (SIGSTOP)");
    }

    /** SIGCONT after {@link #pause}. */
    @Override
    public void resume() {
        if (!isAlive()) {
            paused = false;
            return;
        }
        signal("CONT");
        paused = false;
        appendToLog("=== resumed (SIGCONT)");
    }

    private void signal(String signal) {
        if (!isAlive()) {
            throw new IllegalStateException("broker " + name + " is not running");
        }
        Command.Result result = Command.run(List.of("kill", "-" + signal, Long.toString(process.pid())), null,
                Duration.ofSeconds(10));
        if (result.exitCode() != 0) {
            throw new IllegalStateException("could not send SIG" + signal + ": " + result.describe());
        }
    }

    /** Stops with SIGTERM and waits for the process to exit; a broker that ignores it is killed. */
    @Override
    public void stop() {
        if (!isAlive()) {
            return;
        }
        if (paused) {
            resume();
        }
        process.destroy();
        if (!waitForExit(STOP_TIMEOUT)) {
            kill();
            throw new IllegalStateException(
                    "broker " + name + " did not exit within " + STOP_TIMEOUT.toSeconds()
                            + " s of SIGTERM; killed it. Last log lines:\n" + logTail(40));
        }
        RUNNING.remove(process);
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    @Override
    public void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        waitForExit(STOP_TIMEOUT);
        paused = false;
        RUNNING.remove(process);
    }

    /** Starts the broker again on the same data directory and ports (stopping it first if needed). */
    public void restart() {
        stop();
        launch();
    }

    /** Starts a stopped or killed broker again and waits until it serves. */
    public void start() {
        launch();
    }

    /** The last lines of the broker's output, for failure messages. */
    @Override
    public String logTail(int lines) {
        try {
            if (!Files.exists(logFile)) {
                return "(no log file " + logFile + ")";
            }
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(could not read " + logFile + ": " + e + ")";
        }
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            if (ownsDataDir) {
                deleteRecursively(dataDir);
            }
        }
    }

    @Override
    public String toString() {
        return "broker " + name + " at " + bootstrap() + " (log " + logFile + ")";
    }

    private void launch() {
        spawn();
        awaitServing();
    }

    /**
     * Starts the process without waiting for it to serve: a cluster member only serves once a
     * majority of the metadata group runs, so members are spawned together, then awaited.
     */
    @Override
    public void spawn() {
        if (isAlive()) {
            throw new IllegalStateException("broker " + name + " is already running");
        }
        Path jar = brokerJar();
        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xmx256m"));
        command.addAll(jvmOptions);
        if (extraClasspath.isEmpty()) {
            command.addAll(List.of("-jar", jar.toString()));
        } else {
            StringBuilder classpath = new StringBuilder(jar.toString());
            extraClasspath.forEach(path -> classpath.append(java.io.File.pathSeparator).append(path));
            command.addAll(List.of("-cp", classpath.toString(), MAIN_CLASS));
        }
        command.addAll(List.of("broker",
                "--override", "node.id=" + nodeId,
                "--override", "listeners=PLAINTEXT://127.0.0.1:" + port,
                "--override", "log.dirs=" + dataDir.toAbsolutePath(),
                "--override", "raft.address=127.0.0.1:" + raftPort));
        overrides.forEach((key, value) -> {
            command.add("--override");
            command.add(key + "=" + value);
        });
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        appendToLog("=== " + String.join(" ", command));
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + this, e);
        }
        RUNNING.add(process);
        paused = false;
        // The exit code tells a crash (or System.exit) from a signal: 137 is SIGKILL, 143 SIGTERM.
        process.onExit().thenAccept(exited -> appendToLog("=== exited with code " + exited.exitValue()));
    }

    private void appendToLog(String line) {
        try {
            Files.writeString(logFile, java.time.LocalTime.now() + " " + line + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            // Only a diagnostic line is lost.
        }
    }

    /** Waits until the broker answers describeCluster (it has registered with the cluster). */
    @Override
    public void awaitServing() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Exception last = null;
        try (Admin admin = Admin.create(quickAdminConfig())) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("broker " + name + " exited with code "
                            + process.exitValue() + " while starting. Last log lines:\n" + logTail(60));
                }
                try {
                    admin.describeCluster(new DescribeClusterOptions().timeoutMs(3_000))
                            .nodes().get(5, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    last = e;
                    sleep(Duration.ofMillis(250));
                }
            }
        }
        kill();
        throw new IllegalStateException("broker " + name + " did not answer describeCluster on "
                + bootstrap() + " within " + START_TIMEOUT.toSeconds() + " s (last error: " + last
                + "). Last log lines:\n" + logTail(60));
    }

    private Properties quickAdminConfig() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        props.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "500");
        return props;
    }

    private boolean waitForExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static Path brokerJar() {
        String property = System.getProperty("tributary.jar");
        if (property == null || property.isBlank()) {
            throw new IllegalStateException("system property tributary.jar is not set; "
                    + "run these tests through Maven (mvn verify) or pass -Dtributary.jar=...");
        }
        Path jar = Paths.get(property).toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("broker jar " + jar + " does not exist; build it with "
                    + "`mvn -B package -DskipTests -pl wire -am` (mvn verify from the root builds it first)");
        }
        return jar;
    }

    static String javaExecutable() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Deletes everything in a broker's data folder but the folder itself (a container mounts it). */
    static void deleteContents(Path root) {
        try (var children = Files.list(root)) {
            children.forEach(BrokerProcess::deleteRecursively);
        } catch (IOException | UncheckedIOException e) {
            throw new AssertionError("could not empty " + root + ": " + e, e);
        }
    }

    /** Deletes a broker's data folder, if it is there; what cannot be deleted stays. */
    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            List<Path> all = new ArrayList<>(paths.toList());
            Collections.reverse(all);
            for (Path path : all) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | UncheckedIOException e) {
            // A leftover temp directory is not worth failing a test over.
        }
    }
}
