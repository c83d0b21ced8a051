package io.tributary.replication.metadata;

import java.util.List;

/** What a replica group's leader last reported: itself, its term and the in-sync replicas. */
public record LeaderReport(int leader, long term, List<Integer> inSync) {
    public LeaderReport {
        inSync = List.copyOf(inSync);
    }
}
