package io.tributary.bench;

import java.util.List;

/**
 * A broker under test. {@link #start()} brings up a fresh, empty broker and returns its
 * bootstrap address (always on 127.0.0.1); {@link #stop()} shuts it down and removes its data.
 * A target is started and stopped once per round, so start() must work again after stop().
 */
public interface Target {
    /** Short name used in progress lines and the result table, e.g. "kafka". */
    String name();

    /** Starts the broker and returns once it answers Kafka requests; returns "127.0.0.1:port". */
    String start() throws Exception;

    /** The broker processes of the last {@link #start()}, whose CPU time a run is charged; empty if unknown. */
    default List<ProcessHandle> brokerProcesses() {
        return List.of();
    }

    /** Stops the broker started by the last {@link #start()}; does nothing if none is running. */
    void stop();
}
