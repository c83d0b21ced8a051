package io.tributary.replication.replica;

import io.tributary.replication.codec.ByteReader;
import io.tributary.replication.codec.ByteWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * For one partition, the first offset written in each leader epoch (the Raft term of the entry that
 * wrote it). Answers OffsetForLeaderEpoch: where a given epoch's log ended, so a consumer or follower
 * can detect divergence after a leader change, exactly as Kafka's leader-epoch-checkpoint does.
 */
public final class LeaderEpochCache {
    /** (epoch, start offset) in increasing order of both. */
    private final List<long[]> entries = new ArrayList<>();

    /** Records that {@code epoch} begins at {@code startOffset}, if it is newer than the latest epoch. */
    public synchronized void assign(int epoch, long startOffset) {
        if (entries.isEmpty() || entries.get(entries.size() - 1)[0] < epoch) {
            entries.add(new long[] {epoch, startOffset});
        }
    }

    public synchronized int latestEpoch() {
        return entries.isEmpty() ? -1 : (int) entries.get(entries.size() - 1)[0];
    }

    /**
     * The largest epoch at most {@code requested} and the offset where it ended (the start of the next
     * epoch, or the log end for the latest one); (-1, -1) when {@code requested} precedes every epoch.
     */
    public synchronized EpochEnd endOffsetFor(int requested, long logEndOffset) {
        if (entries.isEmpty() || requested < entries.get(0)[0]) {
            return new EpochEnd(-1, -1);
        }
        for (int i = entries.size() - 1; i >= 0; i--) {
            if (entries.get(i)[0] <= requested) {
                long end = i == entries.size() - 1 ? logEndOffset : entries.get(i + 1)[1];
                return new EpochEnd((int) entries.get(i)[0], end);
            }
        }
        return new EpochEnd(-1, -1);
    }

    /** The epoch that wrote {@code offset}: the latest one starting at or before it, -1 if none does. */
    public synchronized int epochOf(long offset) {
        for (int i = entries.size() - 1; i >= 0; i--) {
            if (entries.get(i)[1] <= offset) {
                return (int) entries.get(i)[0];
            }
        }
        return -1;
    }

    /** Forgets epochs that start at or after {@code offset} (the log was truncated there). */
    public synchronized void truncateFromEnd(long offset) {
        entries.removeIf(e -> e[1] >= offset);
    }

    synchronized void encode(ByteWriter w) {
        w.putInt(entries.size());
        for (long[] e : entries) {
            w.putInt((int) e[0]).putLong(e[1]);
        }
    }

    static LeaderEpochCache decode(ByteReader r) {
        LeaderEpochCache cache = new LeaderEpochCache();
        for (int i = r.count(); i > 0; i--) {
            cache.entries.add(new long[] {r.getInt(), r.getLong()});
        }
        return cache;
    }

    /** An epoch and the offset where its log ended. */
    public record EpochEnd(int epoch, long endOffset) {
    }
}
