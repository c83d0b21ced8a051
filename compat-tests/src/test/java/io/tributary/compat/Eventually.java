package io.tributary.compat;

import java.time.Duration;

/**
 * Retries an assertion until it holds. Kafka's metadata is eventually consistent (a topic just
 * created may not be listed yet), and these tests accept what Kafka itself is allowed to do.
 */
final class Eventually {

    interface Check {
        void run() throws Exception;
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
}
