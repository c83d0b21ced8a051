package io.tributary.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the text that Kafka's ProducerPerformance and ConsumerPerformance print. */
final class PerfOutputParser {
    private static final String NUM = "([0-9]+(?:\\.[0-9]+)?)";

    /** "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency." */
    private static final Pattern PRODUCER_WINDOW = Pattern.compile(
            "^(\\d+) records sent, " + NUM + " records/sec \\(" + NUM + " MB/sec\\), "
                    + NUM + " ms avg latency, " + NUM + " ms max latency\\.$");

    /**
     * The final line: the window pattern followed by "..., P ms 50th, P ms 95th, P ms 99th, P ms 99.9th."; with
     * {@code --warmup-records}, a second such line, "N steady state records sent, ...", follows it.
     */
    private static final Pattern PRODUCER_SUMMARY = Pattern.compile(
            "^(\\d+)(?: steady state)? records sent, " + NUM + " records/sec \\(" + NUM + " MB/sec\\), "
                    + NUM + " ms avg latency, " + NUM + " ms max latency, "
                    + NUM + " ms 50th, " + NUM + " ms 95th, " + NUM + " ms 99th, " + NUM + " ms 99\\.9th\\.$");

    private PerfOutputParser() {
    }

    /** The producer's final summary line (its steady-state line, if any), or null when the output has none. */
    static PerfResult producerSummary(List<String> lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            Matcher m = PRODUCER_SUMMARY.matcher(lines.get(i).trim());
            if (m.matches()) {
                return new PerfResult(Long.parseLong(m.group(1)), d(m, 2), d(m, 3), d(m, 4), d(m, 5),
                        d(m, 6), d(m, 8), d(m, 9), false, "");
            }
        }
        return null;
    }

    /**
     * Aggregates the producer's periodic progress lines, for a run stopped before its summary:
     * total records over the summed window times. Null when there is no progress line.
     */
    static PerfResult producerWindows(List<String> lines) {
        long records = 0;
        double seconds = 0;
        double mib = 0;
        double latencySum = 0;
        double max = 0;
        for (String line : lines) {
            Matcher m = PRODUCER_WINDOW.matcher(line.trim());
            if (!m.matches()) {
                continue;
            }
            long n = Long.parseLong(m.group(1));
            double rate = d(m, 2);
            if (n == 0 || rate <= 0) {
                continue;
            }
            records += n;
            seconds += n / rate;
            mib += n * (d(m, 3) / rate);
            latencySum += n * d(m, 4);
            max = Math.max(max, d(m, 5));
        }
        if (records == 0) {
            return null;
        }
        return new PerfResult(records, records / seconds, mib / seconds, latencySum / records, max,
                Double.NaN, Double.NaN, Double.NaN, true, "stopped at time cap");
    }

    /**
     * ConsumerPerformance prints a CSV header ("start.time, end.time, data.consumed.in.MB, ...")
     * and one data line. The result uses the fetch rates (fetch.MB.sec, fetch.nMsg.sec), which
     * leave out the consumer group join; the join time goes into the note.
     */
    static PerfResult consumer(List<String> lines) {
        for (int i = 0; i + 1 < lines.size(); i++) {
            String header = lines.get(i).trim();
            if (!header.startsWith("start.time")) {
                continue;
            }
            String[] names = header.split(",\\s*");
            String[] values = lines.get(i + 1).trim().split(",\\s*");
            if (names.length != values.length) {
                continue;
            }
            Map<String, String> row = new HashMap<>();
            for (int k = 0; k < names.length; k++) {
                row.put(names[k], values[k]);
            }
            long records = Long.parseLong(row.get("data.consumed.in.nMsg"));
            String join = row.getOrDefault("rebalance.time.ms", "?");
            String note = String.format(java.util.Locale.ROOT, "join %s ms; incl. join %.2f MB/s", join,
                    Double.parseDouble(row.get("MB.sec")));
            return new PerfResult(records, Double.parseDouble(row.get("fetch.nMsg.sec")),
                    Double.parseDouble(row.get("fetch.MB.sec")), Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN, false, note);
        }
        return null;
    }

    private static double d(Matcher m, int group) {
        return Double.parseDouble(m.group(group));
    }
}
