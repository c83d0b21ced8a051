package io.tributary.compat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A program left running while the test goes on (a consumer that must be killed mid-way, kcat in
 * group mode), with its output lines collected as they arrive. Whatever is still running when the
 * test JVM exits is killed.
 */
final class BackgroundProcess implements AutoCloseable {

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly)));
    }

    private final String name;
    private final List<String> command;
    private final Process process;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final Thread outReader;
    private final Thread errReader;

    private BackgroundProcess(String name, List<String> command) {
        this.name = name;
        this.command = List.copyOf(command);
        try {
            this.process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name + ": " + command, e);
        }
        RUNNING.add(process);
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // Nothing will be written to it anyway.
        }
        outReader = collect(process.getInputStream(), stdout, name + "-stdout");
        errReader = collect(process.getErrorStream(), stderr, name + "-stderr");
    }

    static BackgroundProcess start(String name, List<String> command) {
        return new BackgroundProcess(name, command);
    }

    /** A class's {@code main} in a child JVM on the test classpath. */
    static BackgroundProcess startJava(String name, String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(
                BrokerProcess.javaExecutable(), "-Xmx128m", "-XX:TieredStopAtLevel=1",
                "-cp", JavaMain.testClasspath(), mainClass));
        command.addAll(List.of(args));
        return start(name, command);
    }

    /** The broker jar's client subcommands ({@code consume}, ...), as {@code bin/tributary} runs them. */
    static BackgroundProcess startTributary(String name, String... args) {
        List<String> command = new ArrayList<>(List.of(
                BrokerProcess.javaExecutable(), "-Xmx128m", "-XX:TieredStopAtLevel=1",
                "-jar", BrokerProcess.brokerJar().toString()));
        command.addAll(List.of(args));
        return start(name, command);
    }

    /** Output lines so far (a snapshot). */
    List<String> lines() {
        return List.copyOf(stdout);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Waits for an output line matching {@code test}; fails with the output so far if none comes. */
    String awaitLine(Predicate<String> test, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String line : stdout) {
                if (test.test(line)) {
                    return line;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + ": no output line " + what + " within "
                        + timeout.toSeconds() + " s\n" + describe());
            }
            if (!process.isAlive() && !outReader.isAlive()) {
                throw new AssertionError(name + " exited with code " + process.exitValue()
                        + " before printing " + what + "\n" + describe());
            }
            BrokerProcess.sleep(Duration.ofMillis(50));
        }
    }

    /** SIGKILL: the program gets no chance to clean up (no LeaveGroup, no last commit). */
    void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(15));
    }

    /** SIGTERM, then SIGKILL if it is still running after {@code grace}. */
    void stop(Duration grace) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!awaitExit(grace)) {
            kill();
        }
    }

    /** The exit code of a program that has ended. */
    int exitCode() {
        return process.exitValue();
    }

    /** Command line, exit state and everything printed so far, for assertion messages. */
    String describe() {
        String state = process.isAlive() ? "still running" : "exit code " + process.exitValue();
        return String.join(" ", command) + "\n" + state
                + "\n--- stdout (last 40 lines) ---\n" + tail(stdout, 40)
                + "\n--- stderr (last 40 lines) ---\n" + tail(stderr, 40);
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }

    /** Waits for the program to end on its own; false if it is still running after {@code timeout}. */
    boolean awaitExit(Duration timeout) {
        try {
            boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (exited) {
                RUNNING.remove(process);
                // Let the readers take in what the process wrote before it ended.
                outReader.join(2_000);
                errReader.join(2_000);
            }
            return exited;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String tail(List<String> lines, int count) {
        List<String> copy = List.copyOf(lines);
        return String.join("\n", copy.subList(Math.max(0, copy.size() - count), copy.size()));
    }

    private static Thread collect(InputStream stream, List<String> sink, String threadName) {
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    sink.add(line);
                }
            } catch (IOException e) {
                // The process ended; keep what was read.
            }
        }, threadName);
        reader.setDaemon(true);
        reader.start();
        return reader;
    }
}
