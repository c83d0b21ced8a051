package io.tributary.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A broker started by a shell command, e.g.
 * {@code bin/tributary broker --override listeners=PLAINTEXT://127.0.0.1:{port} --override log.dirs={dir}}.
 *
 * <p>On each {@link #start()} the placeholders are replaced: {@code {port}} by a free port on
 * 127.0.0.1 (the bootstrap port), {@code {port2}} by a second free port (for a controller or
 * Raft listener, if the broker needs one) and {@code {dir}} by a new, empty temp folder. The
 * command runs under {@code bash -c} in {@code workDir} with its output in a log file next to
 * {@code {dir}}; start() returns once 127.0.0.1:{port} answers the Admin client's
 * describeCluster (ApiVersions, then Metadata). {@link #stop()} sends SIGTERM to the command and
 * all its descendants, kills what is left after 15 s, and deletes the temp folder.
 */
public final class CommandTarget implements Target {
    private final String name;
    private final String commandTemplate;
    private final Path workDir;
    private final Duration startTimeout;

    private Process process;
    private Path home;

    /** A command run from the current directory, given 90 s to answer. */
    public CommandTarget(String name, String commandTemplate) {
        this(name, commandTemplate, Path.of("").toAbsolutePath(), Duration.ofSeconds(90));
    }

    public CommandTarget(String name, String commandTemplate, Path workDir, Duration startTimeout) {
        this.name = Objects.requireNonNull(name);
        this.commandTemplate = Objects.requireNonNull(commandTemplate);
        this.workDir = Objects.requireNonNull(workDir);
        this.startTimeout = Objects.requireNonNull(startTimeout);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String start() throws Exception {
        stop();
        home = ChildProcesses.tempDir("tributary-bench-" + name.replaceAll("[^A-Za-z0-9_-]", "_") + "-");
        Path dataDir = Files.createDirectory(home.resolve("data"));
        int port = Ports.freePort();
        String command = commandTemplate
                .replace("{port}", Integer.toString(port))
                .replace("{port2}", Integer.toString(Ports.freePort()))
                .replace("{dir}", dataDir.toString());
        Path log = home.resolve(name + ".log");
        Files.writeString(log, "$ " + command + System.lineSeparator());
        process = ChildProcesses.start(List.of("bash", "-c", command), workDir, log);
        String bootstrap = Ports.LOOPBACK + ":" + port;
        try {
            AdminOps.awaitReady(bootstrap, startTimeout, process::isAlive);
        } catch (Exception e) {
            String tail = ChildProcesses.tail(log, 30);
            stop();
            throw new IllegalStateException(name + " did not start; last lines of its output:\n" + tail, e);
        }
        return bootstrap;
    }

    /** The command's shell and everything it started. */
    @Override
    public List<ProcessHandle> brokerProcesses() {
        if (process == null) {
            return List.of();
        }
        List<ProcessHandle> all = new ArrayList<>(List.of(process.toHandle()));
        process.descendants().forEach(all::add);
        return all;
    }

    @Override
    public void stop() {
        if (process != null) {
            ChildProcesses.kill(process, Duration.ofSeconds(15));
            process = null;
        }
        ChildProcesses.deleteTree(home);
        home = null;
    }
}
