package io.tributary.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Measures each target with Kafka's own perf tools, interleaved round by round (A, B, A, B, ...),
 * each target started afresh for every round, and prints the best round of each side and the
 * ratios against the first target. See {@link BenchmarkOptions#USAGE} for the flags.
 */
public final class BrokerBenchmark {
    private final BenchmarkOptions options;
    private final List<Target> targets;
    private final List<Workload> workloads;
    private final PrintStream out;
    private final Map<Workload, Map<String, PerfResult>> best = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();

    BrokerBenchmark(BenchmarkOptions options, PrintStream out) {
        this.options = options;
        this.targets = options.targets();
        this.workloads = Workload.select(Workload.standard(options.records(), options.latencySeconds()),
                options.workloadIds());
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        BenchmarkOptions options = Cli.parseOrExit(args, BenchmarkOptions::parse, BenchmarkOptions::help, BenchmarkOptions.USAGE);
        boolean ok = new BrokerBenchmark(options, System.out).run();
        System.exit(ok ? 0 : 1);
    }

    /** Runs every round; returns false if any run failed. */
    boolean run() throws Exception {
        Path logDir = ChildProcesses.tempDir("tributary-bench-run-");
        List<String> names = targets.stream().map(Target::name).toList();
        out.printf("Targets: %s; workloads: %s; rounds: %d; records: %,d; warm-up records: %,d; Kafka tools %s%n",
                String.join(", ", names), String.join(",", workloads.stream().map(Workload::id).toList()),
                options.rounds(), options.records(), options.warmupRecords(), kafkaVersion());
        out.println("Producer topics: " + options.topicLayout() + "; built-in targets: " + options.cluster().describe());
        out.println("Tool output (deleted at the end unless a run failed): " + logDir);
        int total = options.rounds() * targets.size() * workloads.size();
        int step = 0;
        for (int round = 1; round <= options.rounds(); round++) {
            for (Target target : targets) {
                out.printf("-- round %d/%d: starting %s%n", round, options.rounds(), target.name());
                String bootstrap;
                try {
                    bootstrap = target.start();
                } catch (Exception e) {
                    fail(target.name() + " round " + round + ": start failed: " + e.getMessage());
                    step += workloads.size();
                    continue;
                }
                try {
                    PerfRunner runner = new PerfRunner(bootstrap, logDir, options.producerCap(), options.topicLayout());
                    warmUp(runner, target.name());
                    for (Workload w : workloads) {
                        step++;
                        runOne(runner, target, w, round, step, total);
                    }
                } finally {
                    target.stop();
                }
            }
        }
        ResultTable.print(out, workloads, names, best, options.rounds());
        ResultTable.printFailures(out, failures);
        if (failures.isEmpty()) {
            ChildProcesses.deleteTree(logDir);
        } else {
            ChildProcesses.keep(logDir);
            out.println("Tool output kept in " + logDir);
        }
        return failures.isEmpty();
    }

    /** Runs the unmeasured warm-up load, if any; a failure here shows up again in the measured runs. */
    private void warmUp(PerfRunner runner, String target) {
        if (options.warmupRecords() == 0) {
            return;
        }
        out.printf("   %s: warm-up, %,d records (not measured) ... ", target, options.warmupRecords());
        out.flush();
        long started = System.nanoTime();
        try {
            PerfResult r = runner.run(Workload.warmUp(options.warmupRecords()));
            out.printf(Locale.ROOT, "%.2f MB/s (%.0f s)%n", r.mbPerSec(), (System.nanoTime() - started) / 1e9);
        } catch (Exception e) {
            out.println("failed: " + e.getMessage());
        }
    }

    private void runOne(PerfRunner runner, Target target, Workload w, int round, int step, int total) {
        out.printf("[%d/%d] %s: %s ... ", step, total, target.name(), w.label());
        out.flush();
        long started = System.nanoTime();
        try {
            List<ProcessHandle> brokers = target.brokerProcesses();
            double cpuBefore = cpuSeconds(brokers);
            long writtenBefore = DiskWrites.syncedBytesWritten();
            PerfResult r = runner.run(w);
            double cpuUsed = cpuSeconds(brokers) - cpuBefore;
            long written = DiskWrites.syncedBytesWritten() - writtenBefore;
            // A latency run's figures leave out its first seconds; its CPU covers all of it.
            long records = w.isLatencyRun() ? w.records() : r.records();
            double bytes = records * (double) (w.isConsumer() ? w.source().recordSize() : w.recordSize());
            if (!brokers.isEmpty() && bytes > 0) {
                r = r.withBrokerUsage(cpuUsed / (bytes / 1e9), written / bytes);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            out.printf(Locale.ROOT, "%.2f MB/s, %.0f rec/s%s%s (%.0f s)%s%n", r.mbPerSec(), r.recordsPerSec(),
                    Double.isNaN(r.p99Ms()) ? "" : String.format(Locale.ROOT, ", p50 %.0f / p99 %.0f / p99.9 %.0f ms",
                            r.p50Ms(), r.p99Ms(), r.p999Ms()),
                    Double.isNaN(r.brokerCpuPerGb()) ? "" : String.format(Locale.ROOT,
                            ", broker %.1f CPU-s/GB, %.2f B written per B", r.brokerCpuPerGb(), r.diskPerByte()),
                    seconds, r.partial() ? " [" + r.note() + "]" : "");
            Map<String, PerfResult> byTarget = best.computeIfAbsent(w, k -> new LinkedHashMap<>());
            if (r.betterThan(byTarget.get(target.name()), w)) {
                byTarget.put(target.name(), r);
            }
        } catch (Exception e) {
            out.println("FAILED");
            fail(target.name() + " round " + round + " (" + w.id() + ") " + w.label() + ": " + e.getMessage());
        }
    }

    /** CPU seconds the processes have used so far (user and system); those that are gone count 0. */
    private static double cpuSeconds(List<ProcessHandle> processes) {
        double total = 0;
        for (ProcessHandle p : processes) {
            try {
                total += ProcStats.read(p.pid()).cpuSeconds();
            } catch (IOException | RuntimeException e) {
                // it exited: a broker that died fails the run anyway
            }
        }
        return total;
    }

    /** The version in kafka-clients' kafka/kafka-version.properties, the jar the tools run from. */
    private static String kafkaVersion() {
        try (var in = BrokerBenchmark.class.getClassLoader().getResourceAsStream("kafka/kafka-version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private void fail(String message) {
        out.println("  ! " + message);
        failures.add(message);
    }
}
