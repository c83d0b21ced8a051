package io.tributary.compat;

import java.nio.file.Path;

/**
 * One broker of a test cluster, however it runs (a child JVM or a container), with the faults a
 * nemesis can inflict on it.
 */
interface ClusterMember extends AutoCloseable {

    int nodeId();

    /** "127.0.0.1:port" of its Kafka listener. */
    String bootstrap();

    /** Its {@code log.dirs}, readable from the test (partition logs are {@code <topic>-<p>-<topicId>/}). */
    Path dataDir();

    /** Running, paused or not. */
    boolean isAlive();

    boolean isPaused();

    /** Starts it (again) without waiting; see {@link #awaitServing}. */
    void spawn();

    /** Waits until it answers clients. */
    void awaitServing();

    /** Clean shutdown. */
    void stop();

    /** SIGKILL: nothing is flushed, no shutdown code runs. */
    void kill();

    /** Freezes it (SIGSTOP, or docker pause) until {@link #resume}. */
    void pause();

    void resume();

    /** The last lines of its output, for failure messages. */
    String logTail(int lines);

    /** Stops it and removes what it left on disk. */
    @Override
    void close();
}
