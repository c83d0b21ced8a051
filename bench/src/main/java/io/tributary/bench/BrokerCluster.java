package io.tributary.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Broker processes started by a {@link ClusterLauncher}: one child JVM per broker, each with its own
 * listener on 127.0.0.1 and data folder under a temp folder that {@link #close()} deletes.
 */
final class BrokerCluster implements AutoCloseable {
    /** How long brokers get to stop after SIGTERM before they are killed. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);

    /**
     * One broker process.
     *
     * @param id      node id (1..N)
     * @param process the broker's JVM (started directly, so its pid is the JVM's)
     * @param port    its Kafka listener on 127.0.0.1
     * @param dataDir its {@code log.dirs}
     * @param log     its stdout and stderr
     */
    record Broker(int id, Process process, int port, Path dataDir, Path log) {
        long pid() {
            return process.pid();
        }

        String address() {
            return Ports.LOOPBACK + ":" + port;
        }
    }

    /** What to start for one broker; see {@link #launch}. */
    record Launch(int id, List<String> command, int port, Path dataDir, Path log) {
    }

    private final String system;
    private final Path home;
    private final List<Broker> brokers;
    private final boolean keepLogs;
    private volatile boolean keepFiles;

    private BrokerCluster(String system, Path home, List<Broker> brokers, boolean keepLogs) {
        this.system = system;
        this.home = home;
        this.brokers = List.copyOf(brokers);
        this.keepLogs = keepLogs;
    }

    /**
     * Starts every broker at once (working directory {@code home}) and waits until describeCluster
     * lists all of them. On failure, stops what was started, deletes {@code home} and throws with
     * the last lines of each broker's log.
     */
    static BrokerCluster launch(String system, Path home, List<Launch> launches, ClusterSpec spec) throws Exception {
        List<Broker> started = new ArrayList<>();
        try {
            for (Launch l : launches) {
                Process p = ChildProcesses.start(l.command(), home, l.log());
                started.add(new Broker(l.id(), p, l.port(), l.dataDir(), l.log()));
            }
        } catch (Exception e) {
            new BrokerCluster(system, home, started, false).close();
            throw e;
        }
        BrokerCluster cluster = new BrokerCluster(system, home, started, spec.keepLogs());
        try {
            AdminOps.awaitBrokers(cluster.bootstrap(), launches.size(), spec.startTimeout(), cluster::allAlive);
            return cluster;
        } catch (Exception e) {
            String tails = cluster.logTails(20);
            cluster.close();
            throw new IllegalStateException(system + " cluster of " + launches.size() + " did not start: "
                    + e.getMessage() + "\n" + tails, e);
        }
    }

    String system() {
        return system;
    }

    List<Broker> brokers() {
        return brokers;
    }

    /** The folder holding every broker's configuration, data and log. */
    Path home() {
        return home;
    }

    /** "127.0.0.1:p1,127.0.0.1:p2,..." */
    String bootstrap() {
        return brokers.stream().map(Broker::address).collect(Collectors.joining(","));
    }

    boolean allAlive() {
        return brokers.stream().allMatch(b -> b.process().isAlive());
    }

    /** "broker 2 exited with code 1" for each broker no longer running; empty if all run. */
    List<String> exited() {
        List<String> out = new ArrayList<>();
        for (Broker b : brokers) {
            if (!b.process().isAlive()) {
                out.add(system + " broker " + b.id() + " exited with code " + b.process().exitValue()
                        + " (log " + b.log() + ")");
            }
        }
        return out;
    }

    /** The last {@code lines} lines of every broker's log, labelled. */
    String logTails(int lines) {
        StringBuilder sb = new StringBuilder();
        for (Broker b : brokers) {
            sb.append("--- ").append(system).append(" broker ").append(b.id()).append(" (")
                    .append(b.log()).append("):\n").append(ChildProcesses.tail(b.log(), lines)).append('\n');
        }
        return sb.toString();
    }

    /** Keeps the cluster's folder (logs and data) after close, e.g. when something failed. */
    void keepFiles() {
        keepFiles = true;
        ChildProcesses.keep(home);
    }

    /**
     * The Raft term of every group folder under each broker's {@code <log.dirs>/raft/} (Ratis keeps
     * it in {@code current/raft-meta}), one line per broker and group: a term far above 1 on a
     * cluster that lost no broker means repeated elections. Empty for systems without such folders.
     */
    String raftTerms() {
        StringBuilder sb = new StringBuilder();
        for (Broker b : brokers) {
            for (String group : TributaryCluster.raftGroups(b.dataDir())) {
                Path meta = b.dataDir().resolve("raft").resolve(group).resolve("current").resolve("raft-meta");
                sb.append("broker ").append(b.id()).append(' ').append(group).append(" term ")
                        .append(TributaryCluster.raftTerm(meta)).append('\n');
            }
        }
        return sb.toString();
    }

    /** The highest term per Raft group folder over all brokers; empty for systems without them. */
    java.util.Map<String, Long> maxTermPerGroup() {
        java.util.Map<String, Long> terms = new java.util.TreeMap<>();
        for (Broker b : brokers) {
            for (String group : TributaryCluster.raftGroups(b.dataDir())) {
                long t = TributaryCluster.raftTerm(
                        b.dataDir().resolve("raft").resolve(group).resolve("current").resolve("raft-meta"));
                terms.merge(group, t, Math::max);
            }
        }
        return terms;
    }

    /**
     * "Raft terms: highest 3, sum 7 over 5 groups" (each group starts at term 1 with its first
     * election; every further election adds one), or "" for systems without Raft group folders.
     */
    String termSummary() {
        java.util.Map<String, Long> terms = maxTermPerGroup();
        if (terms.isEmpty()) {
            return "";
        }
        long max = terms.values().stream().mapToLong(Long::longValue).max().orElse(0);
        long sum = terms.values().stream().mapToLong(Long::longValue).sum();
        return "Raft terms: highest " + max + ", sum " + sum + " over " + terms.size() + " groups";
    }

    /**
     * Stops every broker at once (SIGTERM, then SIGKILL after 20 s) and deletes the temp folder,
     * unless {@link #keepFiles()} was called; with {@link ClusterSpec#keepLogs()} it deletes the
     * brokers' data only, after writing {@code raft-terms.txt} next to them.
     */
    @Override
    public void close() {
        ChildProcesses.killAll(brokers.stream().map(Broker::process).toList(), STOP_GRACE);
        if (keepFiles) {
            return;
        }
        if (keepLogs) {
            String terms = raftTerms();
            try {
                if (!terms.isEmpty()) {
                    java.nio.file.Files.writeString(home.resolve("raft-terms.txt"), terms);
                }
            } catch (java.io.IOException e) {
                // the logs matter more
            }
            brokers.forEach(b -> ChildProcesses.deleteTree(b.dataDir()));
            ChildProcesses.keep(home);
            System.out.println("  " + system + " broker logs kept in " + home);
            return;
        }
        ChildProcesses.deleteTree(home);
    }
}
