package io.tributary.compat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Jepsen's Kafka queue checks over a {@link QueueWorkload}'s history and a final read of every
 * partition from its start:
 * <ul>
 * <li>lost: acknowledged values missing from the final read;</li>
 * <li>moved: acknowledged values found at another partition or offset than the acknowledgement said;</li>
 * <li>duplicates: values stored more than once;</li>
 * <li>order violations: within a partition, a producer's values out of the order it sent them (an
 * idempotent producer's writes to one partition land in send order);</li>
 * <li>unexpected: values read (finally or by the live consumer) that no producer sent;</li>
 * <li>inconsistent reads: an offset the live consumer read with another value than the final read
 * has there, or that the final read does not have at all (the log went back on what it served).</li>
 * </ul>
 */
final class QueueChecker {

    /** The findings; {@link #violations()} must be 0. */
    record Result(int attempted, int acknowledged, int failed, int failedButPresent, int read, int liveReads,
            List<String> lost, List<String> moved, List<String> duplicates, List<String> orderViolations,
            List<String> unexpected, List<String> inconsistentReads, long consumerErrors) {

        int violations() {
            return lost.size() + moved.size() + duplicates.size() + orderViolations.size() + unexpected.size()
                    + inconsistentReads.size();
        }

        String summary() {
            return String.format("writes attempted %d, acknowledged %d, failed or unanswered %d (%d of them stored"
                    + " anyway, allowed); records in the final read %d, read live %d (consumer errors %d)%n"
                    + "acknowledged records lost: %d%s%n"
                    + "acknowledged at another position: %d%s%n"
                    + "duplicates: %d%s%n"
                    + "per-partition order violations: %d%s%n"
                    + "values never sent that were read: %d%s%n"
                    + "live reads the final log contradicts: %d%s",
                    attempted, acknowledged, failed, failedButPresent, read, liveReads, consumerErrors,
                    lost.size(), examples(lost), moved.size(), examples(moved), duplicates.size(), examples(duplicates),
                    orderViolations.size(), examples(orderViolations), unexpected.size(), examples(unexpected),
                    inconsistentReads.size(), examples(inconsistentReads));
        }

        private static String examples(List<String> items) {
            return items.isEmpty() ? "" : " e.g. " + items.subList(0, Math.min(5, items.size()));
        }
    }

    private QueueChecker() {
    }

    static Result check(QueueWorkload workload, String bootstrap, Duration readTimeout) {
        String topic = workload.topic();
        List<TopicPartition> partitions = Clients.partitions(topic, workload.partitions());
        List<ConsumerRecord<byte[], byte[]>> finalRead;
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap)) {
            finalRead = Clients.readAll(consumer, partitions, readTimeout);
        }
        return check(workload.attempts(), workload.reads(), finalRead, workload.consumerErrors());
    }

    static Result check(Map<String, QueueWorkload.Attempt> attempts, List<QueueWorkload.Read> liveReads,
            List<ConsumerRecord<byte[], byte[]>> finalRead, long consumerErrors) {
        Map<String, List<long[]>> positions = new HashMap<>();
        Map<Integer, TreeMap<Long, String>> logs = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : finalRead) {
            String value = new String(record.value(), StandardCharsets.UTF_8);
            positions.computeIfAbsent(value, v -> new ArrayList<>()).add(new long[] {record.partition(), record.offset()});
            logs.computeIfAbsent(record.partition(), p -> new TreeMap<>()).put(record.offset(), value);
        }

        List<String> lost = new ArrayList<>();
        List<String> moved = new ArrayList<>();
        int acknowledged = 0;
        int failed = 0;
        int failedButPresent = 0;
        for (Map.Entry<String, QueueWorkload.Attempt> entry : attempts.entrySet()) {
            QueueWorkload.Attempt attempt = entry.getValue();
            List<long[]> where = positions.get(entry.getKey());
            if (attempt.acknowledged()) {
                acknowledged++;
                if (where == null) {
                    lost.add(entry.getKey() + "@" + attempt.partition + "/" + attempt.ackedOffset);
                } else if (where.stream().noneMatch(w -> w[0] == attempt.partition && w[1] == attempt.ackedOffset)) {
                    moved.add(entry.getKey() + " acknowledged at " + attempt.partition + "/" + attempt.ackedOffset
                            + ", stored at " + where.get(0)[0] + "/" + where.get(0)[1]);
                }
            } else {
                failed++;
                if (where != null) {
                    failedButPresent++;
                }
            }
        }

        List<String> duplicates = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        positions.forEach((value, where) -> {
            if (where.size() > 1) {
                StringBuilder at = new StringBuilder(value + " at");
                where.forEach(w -> at.append(' ').append(w[0]).append('/').append(w[1]));
                duplicates.add(at.toString());
            }
            if (!attempts.containsKey(value)) {
                unexpected.add(value + " at " + where.get(0)[0] + "/" + where.get(0)[1]);
            }
        });

        List<String> orderViolations = new ArrayList<>();
        logs.forEach((partition, log) -> {
            Map<Integer, Long> lastSeq = new HashMap<>();
            Map<Integer, Long> lastOffset = new HashMap<>();
            log.forEach((offset, value) -> {
                QueueWorkload.Attempt attempt = attempts.get(value);
                if (attempt == null) {
                    return;
                }
                Long previous = lastSeq.put(attempt.producer, attempt.seq);
                if (previous != null && previous >= attempt.seq) {
                    orderViolations.add("partition " + partition + ": " + value + " at offset " + offset + " after "
                            + QueueWorkload.value(attempt.producer, previous) + " at offset "
                            + lastOffset.get(attempt.producer));
                }
                lastOffset.put(attempt.producer, offset);
            });
        });

        List<String> inconsistentReads = new ArrayList<>();
        java.util.Set<String> seenUnexpected = new java.util.HashSet<>();
        for (QueueWorkload.Read read : liveReads) {
            String stored = logs.getOrDefault(read.partition(), new TreeMap<>()).get(read.offset());
            if (!read.value().equals(stored)) {
                inconsistentReads.add("live read " + read.value() + " at " + read.partition() + "/" + read.offset()
                        + ", final read has " + stored);
            }
            if (!attempts.containsKey(read.value()) && seenUnexpected.add(read.value())
                    && !positions.containsKey(read.value())) {
                unexpected.add(read.value() + " (read live at " + read.partition() + "/" + read.offset() + ")");
            }
        }
        return new Result(attempts.size(), acknowledged, failed, failedButPresent, finalRead.size(), liveReads.size(),
                lost, moved, duplicates, orderViolations, unexpected, inconsistentReads, consumerErrors);
    }
}
