package io.tributary.bench;

import java.util.Objects;

/**
 * A broker that is already running at a fixed address; the harness neither starts nor stops it,
 * so topics from earlier rounds stay (each run uses new topic names).
 */
public final class BootstrapTarget implements Target {
    private final String name;
    private final String bootstrap;

    /** {@code bootstrap} must be a loopback address, e.g. "127.0.0.1:9092". */
    public BootstrapTarget(String name, String bootstrap) {
        this.name = Objects.requireNonNull(name);
        this.bootstrap = Objects.requireNonNull(bootstrap);
        if (!bootstrap.startsWith("127.") && !bootstrap.startsWith("localhost:")) {
            throw new IllegalArgumentException("only loopback addresses are allowed: " + bootstrap);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String start() throws Exception {
        AdminOps.awaitReady(bootstrap, java.time.Duration.ofSeconds(30), () -> true);
        return bootstrap;
    }

    @Override
    public void stop() {
        // not ours to stop
    }
}
