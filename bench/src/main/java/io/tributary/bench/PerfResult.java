package io.tributary.bench;

/**
 * What one ProducerPerformance or ConsumerPerformance run reported. Latencies are in
 * milliseconds and NaN where the tool does not report them (consumer runs, and producer runs
 * cut off at the time cap, which end without the final percentile line).
 *
 * @param records       records produced or consumed
 * @param recordsPerSec records per second
 * @param mbPerSec      MiB per second of record values (the tools' "MB")
 * @param partial       true when a producer run hit the time cap and was stopped; the rates are
 *                      then aggregated from its periodic progress lines
 * @param note          extra detail for the table, e.g. the consumer's group join time
 * @param brokerCpuPerGb the brokers' CPU seconds (all their processes, JIT and GC included) per GB of
 *                      record values moved during the run; NaN where the target's processes are unknown
 * @param diskPerByte   bytes the brokers wrote to disk (all of them together) per byte of record values
 *                      moved during the run; NaN where unknown
 */
public record PerfResult(long records, double recordsPerSec, double mbPerSec, double avgMs,
                         double maxMs, double p50Ms, double p99Ms, double p999Ms,
                         boolean partial, String note, double brokerCpuPerGb, double diskPerByte) {

    PerfResult(long records, double recordsPerSec, double mbPerSec, double avgMs, double maxMs, double p50Ms,
               double p99Ms, double p999Ms, boolean partial, String note) {
        this(records, recordsPerSec, mbPerSec, avgMs, maxMs, p50Ms, p99Ms, p999Ms, partial, note, Double.NaN, Double.NaN);
    }

    PerfResult withBrokerUsage(double cpuPerGb, double diskBytesPerByte) {
        return new PerfResult(records, recordsPerSec, mbPerSec, avgMs, maxMs, p50Ms, p99Ms, p999Ms, partial, note, cpuPerGb,
                diskBytesPerByte);
    }

    /** True when {@code this} is a better run than {@code other} for {@code workload}. */
    boolean betterThan(PerfResult other, Workload workload) {
        if (other == null) {
            return true;
        }
        if (workload.isLatencyRun()) {
            return compareLowerIsBetter(p99Ms, other.p99Ms) < 0;
        }
        return mbPerSec > other.mbPerSec;
    }

    private static int compareLowerIsBetter(double a, double b) {
        if (Double.isNaN(a)) {
            return Double.isNaN(b) ? 0 : 1;
        }
        return Double.isNaN(b) ? -1 : Double.compare(a, b);
    }
}
