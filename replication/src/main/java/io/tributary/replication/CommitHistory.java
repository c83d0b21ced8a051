package io.tributary.replication;

import java.util.ArrayDeque;

/**
 * A leader's commit index over the last {@code replica.lag.time.max.ms}, for Kafka's in-sync rule: a
 * follower is in sync when it has everything the leader had committed that long ago. Followers learn
 * the commit index one round trip after the leader, so under steady load they are always a little
 * behind the current one; comparing with an older commit index keeps them in sync unless they really
 * fall behind.
 *
 * <p>Samples are taken when asked (every Metadata request and every reconciliation), at most one per
 * {@code lagMs / 16}; that coarseness only makes the rule more lenient, by at most that much.
 */
final class CommitHistory {
    private record Sample(long timeMs, long commitIndex) { }

    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    /**
     * Records that the commit index is {@code commitIndex} at {@code nowMs} and returns the commit index
     * as of {@code lagMs} ago, or the oldest one known if the history is younger than that.
     */
    synchronized long committedAsOf(long nowMs, long commitIndex, long lagMs) {
        Sample last = samples.peekLast();
        if (last == null || (last.commitIndex != commitIndex && nowMs - last.timeMs >= lagMs / 16)) {
            samples.addLast(new Sample(nowMs, commitIndex));
        }
        long cutoff = nowMs - lagMs;
        // Keep only the newest sample at or before the cutoff, and everything after it.
        while (samples.size() > 1 && samplesSecond().timeMs <= cutoff) {
            samples.removeFirst();
        }
        return samples.peekFirst().commitIndex;
    }

    private Sample samplesSecond() {
        var it = samples.iterator();
        it.next();
        return it.next();
    }
}
