package io.tributary.bench;

import java.util.List;
import java.util.Objects;

/** A {@link Target} that starts a fresh cluster of one system for every round. */
final class ClusterTarget implements Target {
    private final ClusterLauncher launcher;
    private final ClusterSpec spec;
    private BrokerCluster cluster;

    ClusterTarget(ClusterLauncher launcher, ClusterSpec spec) {
        this.launcher = Objects.requireNonNull(launcher);
        this.spec = Objects.requireNonNull(spec);
    }

    @Override
    public String name() {
        return launcher.name();
    }

    /** Returns the bootstrap list of every broker, "127.0.0.1:p1,127.0.0.1:p2,...". */
    @Override
    public String start() throws Exception {
        stop();
        cluster = launcher.start(spec);
        return cluster.bootstrap();
    }

    @Override
    public List<ProcessHandle> brokerProcesses() {
        return cluster == null ? List.of() : cluster.brokers().stream().map(b -> b.process().toHandle()).toList();
    }

    @Override
    public void stop() {
        if (cluster != null) {
            String terms = cluster.termSummary();
            if (!terms.isEmpty()) {
                System.out.println("  " + name() + " " + terms + " (more than 1 per group: elections after the first)");
            }
            cluster.close();
            cluster = null;
        }
    }
}
