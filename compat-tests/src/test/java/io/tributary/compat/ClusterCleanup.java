package io.tributary.compat;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Holds the cluster a test starts: closes it after the test (processes killed, containers removed) and,
 * when the test failed, prints the tail of every broker's log.
 */
final class ClusterCleanup implements AfterEachCallback, TestWatcher {
    private final int logLines;
    private Cluster cluster;

    ClusterCleanup(int logLines) {
        this.logLines = logLines;
    }

    /** Takes charge of {@code started} and returns it. */
    Cluster track(Cluster started) {
        cluster = started;
        return started;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        if (cluster != null) {
            System.err.println(cluster.logTails(logLines));
        }
    }
}
