package io.tributary.compat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Retries an assertion until it holds. Kafka's metadata is eventually consistent (a topic just
 * created may not be listed yet), and these tests accept what Kafka itself is allowed to do.
 */
final class Eventually {

    interface Check {
        void run() throws Exception;
    }

    interface Read<T> {
        T get() throws Exception;
    }

    interface Accept<T> {
        void check(T value) throws Exception;
    }

    private Eventually() {
    }

    static void holds(Duration timeout, Check check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                check.run();
                return;
            } catch (Exception | AssertionError e) {
                if (System.nanoTime() > deadline) {
                    if (e instanceof AssertionError assertion) {
                        throw assertion;
                    }
                    throw new AssertionError("still failing after " + timeout.toSeconds() + " s: " + e, e);
                }
            }
            BrokerProcess.sleep(Duration.ofMillis(200));
        }
    }

    /** Reads a value until reading it succeeds, and returns it. */
    static <T> T value(Duration timeout, Read<T> read) {
        return value(timeout, read, v -> { });
    }

    /** Reads a value until {@code check} accepts it, and returns that value. */
    static <T> T value(Duration timeout, Read<T> read, Accept<T> check) {
        AtomicReference<T> accepted = new AtomicReference<>();
        holds(timeout, () -> {
            T value = read.get();
            check.check(value);
            accepted.set(value);
        });
        return accepted.get();
    }
}
