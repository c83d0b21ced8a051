package io.tributary.coordinator.group;

import io.tributary.coordinator.group.GroupRecords.OffsetValue;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Committed offsets by group, changed only by replaying records, plus the commits still being written
 * (which deletions must also cover, since their records land after the commit's) and the offsets that
 * producers' open transactions wrote (which take effect with the transaction's commit marker).
 */
final class OffsetStore {
    private static final Comparator<TopicPartition> ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    private final Map<String, Map<TopicPartition, OffsetValue>> committed = new HashMap<>();
    private final Map<String, Map<TopicPartition, Integer>> inFlight = new HashMap<>();
    /** By producer id: the offsets its open transaction wrote, by group. */
    private final Map<Long, Map<String, Map<TopicPartition, OffsetValue>>> pending = new HashMap<>();

    void put(String group, TopicPartition tp, OffsetValue value) {
        committed.computeIfAbsent(group, g -> new TreeMap<>(ORDER)).put(tp, value);
    }

    void remove(String group, TopicPartition tp) {
        Map<TopicPartition, OffsetValue> offsets = committed.get(group);
        if (offsets != null) {
            offsets.remove(tp);
            if (offsets.isEmpty()) {
                committed.remove(group);
            }
        }
    }

    OffsetValue get(String group, TopicPartition tp) {
        Map<TopicPartition, OffsetValue> offsets = committed.get(group);
        return offsets == null ? null : offsets.get(tp);
    }

    /** The group's committed offsets, ordered by topic and partition. */
    Map<TopicPartition, OffsetValue> offsets(String group) {
        Map<TopicPartition, OffsetValue> offsets = committed.get(group);
        return offsets == null ? Map.of() : offsets;
    }

    boolean hasOffsets(String group) {
        return committed.containsKey(group);
    }

    Set<String> groups() {
        return committed.keySet();
    }

    // ---- commits being written ----

    void addInFlight(String group, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Integer> counts = inFlight.computeIfAbsent(group, g -> new HashMap<>());
        for (TopicPartition tp : partitions) {
            counts.merge(tp, 1, Integer::sum);
        }
    }

    void removeInFlight(String group, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Integer> counts = inFlight.get(group);
        if (counts == null) {
            return;
        }
        for (TopicPartition tp : partitions) {
            counts.computeIfPresent(tp, (k, n) -> n > 1 ? n - 1 : null);
        }
        if (counts.isEmpty()) {
            inFlight.remove(group);
        }
    }

    boolean hasInFlight(String group) {
        return inFlight.containsKey(group);
    }

    boolean isInFlight(String group, TopicPartition tp) {
        Map<TopicPartition, Integer> counts = inFlight.get(group);
        return counts != null && counts.containsKey(tp);
    }

    /** Partitions with a committed offset or a commit being written. */
    Set<TopicPartition> knownPartitions(String group) {
        Set<TopicPartition> all = new TreeSet<>(ORDER);
        all.addAll(offsets(group).keySet());
        Map<TopicPartition, Integer> counts = inFlight.get(group);
        if (counts != null) {
            all.addAll(counts.keySet());
        }
        return all;
    }

    void clearInFlight() {
        inFlight.clear();
    }

    // ---- offsets of open transactions ----

    void putPending(long producerId, String group, TopicPartition tp, OffsetValue value) {
        pending.computeIfAbsent(producerId, p -> new HashMap<>()).computeIfAbsent(group, g -> new HashMap<>()).put(tp, value);
    }

    /** The offsets the producer's transaction wrote, by group, no longer pending. */
    Map<String, Map<TopicPartition, OffsetValue>> takePending(long producerId) {
        Map<String, Map<TopicPartition, OffsetValue>> taken = pending.remove(producerId);
        return taken == null ? Map.of() : taken;
    }

    /** Whether an open transaction wrote an offset for the partition (OffsetFetch: UNSTABLE_OFFSET_COMMIT). */
    boolean isPending(String group, TopicPartition tp) {
        for (Map<String, Map<TopicPartition, OffsetValue>> byGroup : pending.values()) {
            Map<TopicPartition, OffsetValue> offsets = byGroup.get(group);
            if (offsets != null && offsets.containsKey(tp)) {
                return true;
            }
        }
        return false;
    }

    boolean hasPending(String group) {
        return pending.values().stream().anyMatch(byGroup -> byGroup.containsKey(group));
    }
}
