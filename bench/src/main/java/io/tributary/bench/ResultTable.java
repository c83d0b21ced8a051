package io.tributary.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints the best result of each system per workload, and for every system after the first a
 * ratio row: that system's value divided by the first system's, column by column.
 */
final class ResultTable {
    private static final String ROW = "  %-22s %9s %11s %9s %8s %8s %9s %9s %8s  %s%n";

    private ResultTable() {
    }

    /** {@code best} maps each workload to the best result per target name (absent: no result). */
    static void print(PrintStream out, List<Workload> workloads, List<String> targets,
                      Map<Workload, Map<String, PerfResult>> best, int rounds) {
        out.println();
        out.printf("Results: best of %d round(s) per system; ratio = system / %s%n", rounds, targets.get(0));
        out.println("Higher MB/s and rec/s is better; lower latency (ms) is better. "
                + "Best = highest MB/s, or lowest p99 for the fixed-rate run.");
        out.println("CPU-s/GB: the brokers' CPU seconds per GB of record values in that run (lower is better); "
                + "the clients share the same cores, so it is what the throughput figures mostly turn on.");
        out.println("disk B/B: bytes the machine's disks wrote during the run (after sync) per byte of record values.");
        for (Workload w : workloads) {
            out.println();
            out.printf("(%s) %s%s%n", w.id(), w.label(),
                    w.isConsumer() ? "" : String.format(Locale.ROOT, ", %,d records of %d B", w.records(), w.recordSize()));
            out.printf(ROW, "system", "MB/s", "rec/s", "avg ms", "p50 ms", "p99 ms", "p99.9 ms", "CPU-s/GB", "disk B/B", "note");
            Map<String, PerfResult> byTarget = best.getOrDefault(w, Map.of());
            for (String t : targets) {
                PerfResult r = byTarget.get(t);
                if (r == null) {
                    out.printf(ROW, t, "-", "-", "-", "-", "-", "-", "-", "-", "no result");
                } else {
                    out.printf(ROW, t, num(r.mbPerSec(), 2), num(r.recordsPerSec(), 0), num(r.avgMs(), 1),
                            num(r.p50Ms(), 0), num(r.p99Ms(), 0), num(r.p999Ms(), 0), num(r.brokerCpuPerGb(), 1),
                            num(r.diskPerByte(), 2), (r.partial() ? "* " : "") + r.note());
                }
            }
            PerfResult a = byTarget.get(targets.get(0));
            for (String t : targets.subList(1, targets.size())) {
                PerfResult b = byTarget.get(t);
                out.printf(ROW, t + "/" + targets.get(0), ratio(b, a, PerfResult::mbPerSec),
                        ratio(b, a, PerfResult::recordsPerSec), ratio(b, a, PerfResult::avgMs),
                        ratio(b, a, PerfResult::p50Ms), ratio(b, a, PerfResult::p99Ms),
                        ratio(b, a, PerfResult::p999Ms), ratio(b, a, PerfResult::brokerCpuPerGb),
                        ratio(b, a, PerfResult::diskPerByte), "");
            }
        }
        out.println();
    }

    private static String num(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String ratio(PerfResult b, PerfResult a, java.util.function.ToDoubleFunction<PerfResult> f) {
        if (a == null || b == null) {
            return "-";
        }
        double x = f.applyAsDouble(b);
        double y = f.applyAsDouble(a);
        if (Double.isNaN(x) || Double.isNaN(y) || y == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2fx", x / y);
    }

    /** Lists the failures, if any, after the table. */
    static void printFailures(PrintStream out, List<String> failures) {
        if (failures.isEmpty()) {
            return;
        }
        out.println("Failures:");
        for (String f : new ArrayList<>(failures)) {
            out.println("  " + f);
        }
        out.println();
    }
}
