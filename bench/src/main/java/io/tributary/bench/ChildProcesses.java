package io.tributary.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Starts child processes (JVMs or shell commands) with their output sent to a file, and stops
 * them together with their descendants. Every child still running when the harness exits is
 * killed by a shutdown hook.
 */
final class ChildProcesses {
    /** JVM flags of Kafka's own kafka-run-class.sh, used for every child JVM. */
    static final List<String> KAFKA_RUN_CLASS_FLAGS = List.of(
            "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
            "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true");

    /** This JVM's classpath with every entry absolute. */
    private static final String CLASSPATH = java.util.Arrays.stream(
                    System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(e -> !e.isEmpty())
            .map(e -> Path.of(e).toAbsolutePath().toString())
            .collect(java.util.stream.Collectors.joining(File.pathSeparator));

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();
    private static final Set<Path> TEMP_DIRS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            killAll(List.copyOf(RUNNING), Duration.ofSeconds(5));
            TEMP_DIRS.forEach(ChildProcesses::deleteTree);
        }, "kill-child-processes"));
    }

    private ChildProcesses() {
    }

    /**
     * The command line for a child JVM running {@code mainClass} with this harness's own classpath
     * ({@code java.class.path}), so the Kafka broker and tools come from the same Maven
     * dependencies the harness was launched with. Relative entries are made absolute, as children
     * may run in another folder: without {@code bench/target/classes} a child would also miss
     * {@code logback.xml} and log at DEBUG level.
     */
    static List<String> javaCommand(List<String> jvmFlags, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(CLASSPATH);
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /** Starts {@code command} with stdout and stderr both appended to {@code output}. */
    static Process start(List<String> command, Path workDir, Path output) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir == null ? null : workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process process = builder.start();
        RUNNING.add(process);
        return process;
    }

    /** Runs a command to completion, killing it after {@code timeout}; returns its exit code. */
    static int run(List<String> command, Path output, Duration timeout)
            throws IOException, InterruptedException {
        Process process = start(command, null, output);
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("timed out after " + timeout + ": " + String.join(" ", command));
            }
            return process.exitValue();
        } finally {
            kill(process, Duration.ofSeconds(5));
        }
    }

    /** Asks the process and its descendants to stop (SIGTERM), then kills what is left. */
    static void kill(Process process, Duration grace) {
        killAll(List.of(process), grace);
    }

    /**
     * Asks all the processes and their descendants to stop (SIGTERM) at once, waits up to
     * {@code grace} for all of them together, then kills (SIGKILL) what is left.
     */
    static void killAll(List<Process> processes, Duration grace) {
        List<ProcessHandle> tree = new ArrayList<>();
        for (Process process : processes) {
            process.descendants().forEach(tree::add);
            tree.add(process.toHandle());
        }
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle handle : tree) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                handle.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (Exception notYet) {
                handle.destroyForcibly();
            }
        }
        for (Process process : processes) {
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            RUNNING.remove(process);
        }
    }

    /**
     * Kills the process at once with SIGKILL (no shutdown hooks, no goodbye to the broker), as a
     * crash would, and waits until it is gone.
     */
    static void crash(Process process) throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        RUNNING.remove(process);
    }

    /**
     * Starts {@code command} with stderr appended to {@code errors} and each stdout line handed to
     * {@code onLine}, on a reader thread of its own.
     */
    static Process startPiped(List<String> command, Path errors, java.util.function.Consumer<String> onLine)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(errors.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process process = builder.start();
        RUNNING.add(process);
        Thread reader = new Thread(() -> {
            try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(
                    process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    onLine.accept(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "stdout-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        return process;
    }

    /** The last {@code lines} lines of a log file, for error messages. */
    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    /** Creates a temp folder that is deleted by {@link #deleteTree} or, failing that, at exit. */
    static Path tempDir(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        TEMP_DIRS.add(dir);
        return dir;
    }

    /** Leaves a folder from {@link #tempDir} in place at exit. */
    static void keep(Path dir) {
        TEMP_DIRS.remove(dir);
    }

    /** Deletes a directory tree, ignoring errors. */
    static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        TEMP_DIRS.remove(dir);
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: it is a temp folder
        }
    }
}
