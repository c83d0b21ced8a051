package io.tributary.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One load to put on a broker. A producer workload runs ProducerPerformance into a new topic
 * (its layout is the runner's {@link PerfRunner.TopicLayout}, by default 1 partition with
 * replication factor 1); a consumer workload runs ConsumerPerformance over the
 * topic its {@code source} producer workload filled on the same broker.
 *
 * @param id          short name used on the command line ("a".."e", "t")
 * @param label       what the progress lines and the table call it
 * @param recordSize  bytes per record value (producer only)
 * @param acks        producer acks setting (producer only)
 * @param throughput  records/s the producer is throttled to, -1 for as fast as possible
 * @param records     records to produce (producer only; a consumer reads what its source wrote)
 * @param source      for a consumer workload, the producer workload whose topic it reads; else null
 * @param transactionMs for a transactional producer, how long each of its transactions lasts
 *                    (ProducerPerformance's {@code --transaction-duration-ms}); 0 for none
 */
public record Workload(String id, String label, int recordSize, String acks, int throughput,
                       long records, Workload source, int transactionMs) {

    Workload(String id, String label, int recordSize, String acks, int throughput, long records, Workload source) {
        this(id, label, recordSize, acks, throughput, records, source, 0);
    }

    /** Producer settings shared by every producer workload. */
    static final List<String> PRODUCER_SETTINGS = List.of("linger.ms=5", "batch.size=65536");

    public boolean isConsumer() {
        return source != null;
    }

    /** Seconds at the start of a fixed-rate run that its figures leave out (ProducerPerformance's warm-up). */
    static final int LATENCY_WARMUP_SECONDS = 5;

    /** The records at the start of this fixed-rate run that its figures leave out. */
    long latencyWarmupRecords() {
        return Math.min(records / 2, (long) throughput * LATENCY_WARMUP_SECONDS);
    }

    /** A fixed-rate run is about latency: its best round is the one with the lowest p99. */
    public boolean isLatencyRun() {
        return !isConsumer() && throughput > 0;
    }

    /**
     * The standard set ((t) is chosen by name only). {@code records} is the count for the full-speed producer runs; the
     * fixed-rate latency run produces at 5000 records/s for at most {@code latencySeconds}.
     */
    public static List<Workload> standard(long records, int latencySeconds) {
        Workload a = new Workload("a", "producer 1KiB acks=all", 1024, "all", -1, records, null);
        Workload b = new Workload("b", "producer 1KiB acks=1", 1024, "1", -1, records, null);
        Workload c = new Workload("c", "producer 100B acks=all", 100, "all", -1, records, null);
        int rate = 5000;
        Workload d = new Workload("d", "producer 1KiB acks=all @" + rate + "/s (latency, first "
                + LATENCY_WARMUP_SECONDS + " s left out)", 1024, "all",
                rate, Math.min(records, (long) rate * latencySeconds), null);
        Workload e = new Workload("e", "consumer read of (a)", 0, null, -1, 0, a);
        Workload t = new Workload("t", "transactional producer 1KiB, 100 ms transactions", 1024, "all", -1, records,
                null, 100);
        return List.of(a, b, c, d, e, t);
    }

    /** The unmeasured load a broker gets before the measured ones: (a)'s records, {@code records} of them. */
    public static Workload warmUp(long records) {
        return new Workload("warm-up", "warm-up", 1024, "all", -1, records, null);
    }

    /** The workloads of {@code all} whose ids are in the comma-separated {@code ids}, in that order. */
    public static List<Workload> select(List<Workload> all, String ids) {
        List<Workload> chosen = new ArrayList<>();
        for (String id : ids.split(",")) {
            String want = id.trim().toLowerCase(Locale.ROOT);
            if (want.isEmpty()) {
                continue;
            }
            Workload match = all.stream().filter(w -> w.id().equals(want)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown workload '" + want
                            + "'; known: " + String.join(",", all.stream().map(Workload::id).toList())));
            chosen.add(match);
        }
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException("no workload selected");
        }
        return chosen;
    }
}
