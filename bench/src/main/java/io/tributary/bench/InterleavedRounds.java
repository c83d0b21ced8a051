package io.tributary.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rounds of a benchmark over several systems, interleaved (A, B, A, B, ...) so that a machine that
 * slows down or warms up during the run weighs on every system alike. Each step is labelled
 * "[step/total] system round n"; a step that throws is reported and counted as failed, and the run
 * goes on.
 *
 * @param <R> what one round of one system yields
 */
final class InterleavedRounds<R> {
    /** One round of one system. */
    interface Round<R> {
        R run(ClusterLauncher system, String label) throws Exception;
    }

    private final Map<String, List<R>> results = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();

    private InterleavedRounds() {
    }

    static <R> InterleavedRounds<R> run(List<ClusterLauncher> systems, int rounds, PrintStream out, Round<R> round) {
        InterleavedRounds<R> run = new InterleavedRounds<>();
        int total = rounds * systems.size();
        int step = 0;
        for (int n = 1; n <= rounds; n++) {
            for (ClusterLauncher system : systems) {
                step++;
                String label = String.format("[%d/%d] %s round %d", step, total, system.name(), n);
                try {
                    run.results.computeIfAbsent(system.name(), k -> new ArrayList<>()).add(round.run(system, label));
                } catch (Exception e) {
                    out.println("  ! " + e.getMessage());
                    run.failures.add(label + ": " + e.getMessage());
                }
            }
        }
        return run;
    }

    /** Each system's results, in round order, by system name. */
    Map<String, List<R>> results() {
        return results;
    }

    /** "label: message" of every failed step. */
    List<String> failures() {
        return failures;
    }
}
