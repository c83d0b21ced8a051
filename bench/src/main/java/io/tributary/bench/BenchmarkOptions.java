package io.tributary.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Command-line flags of {@link BrokerBenchmark}. */
record BenchmarkOptions(long records, int rounds, String workloadIds, boolean onlyKafka,
                        Duration producerCap, int latencySeconds, List<String> targetSpecs, boolean help) {

    static final String USAGE = """
            usage: run-broker-bench.sh [flags]
              --target SPEC        a system to measure; repeat for several (the first is A in the ratios):
                                     kafka                    Apache Kafka 4.4 started by the harness
                                     NAME=cmd:COMMAND         a shell command starting a broker; {port},
                                                              {port2} and {dir} are filled in per round
                                     NAME=bootstrap:HOST:PORT a broker already running on 127.0.0.1
                                   default: kafka
              --only-kafka         ignore --target and measure Kafka alone
              --records N          records per full-speed producer run (default 1000000)
              --rounds N           rounds; each round starts every target afresh, in order (default 2)
              --workloads IDS      comma-separated subset of a,b,c,d,e (default a,b,c,d,e)
              --max-seconds N      stop a full-speed producer run after N s (default 60)
              --latency-seconds N  length of the fixed-rate latency run (d) (default 30)
            """;

    static BenchmarkOptions parse(String[] args) {
        long records = 1_000_000;
        int rounds = 2;
        String workloads = "a,b,c,d,e";
        boolean onlyKafka = false;
        int maxSeconds = 60;
        int latencySeconds = 30;
        boolean help = false;
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            switch (flag) {
                case "--records" -> records = positiveLong(flag, value(args, ++i, flag));
                case "--rounds" -> rounds = (int) positiveLong(flag, value(args, ++i, flag));
                case "--workloads" -> workloads = value(args, ++i, flag);
                case "--only-kafka" -> onlyKafka = true;
                case "--max-seconds" -> maxSeconds = (int) positiveLong(flag, value(args, ++i, flag));
                case "--latency-seconds" -> latencySeconds = (int) positiveLong(flag, value(args, ++i, flag));
                case "--target" -> targets.add(value(args, ++i, flag));
                case "-h", "--help" -> help = true;
                default -> throw new IllegalArgumentException("unknown flag: " + flag);
            }
        }
        if (onlyKafka || targets.isEmpty()) {
            targets = List.of("kafka");
        }
        return new BenchmarkOptions(records, rounds, workloads, onlyKafka, Duration.ofSeconds(maxSeconds),
                latencySeconds, List.copyOf(targets), help);
    }

    /** Turns each --target spec into a {@link Target}. */
    List<Target> targets() {
        List<Target> result = new ArrayList<>();
        for (String spec : targetSpecs) {
            result.add(target(spec));
        }
        long distinct = result.stream().map(Target::name).distinct().count();
        if (distinct != result.size()) {
            throw new IllegalArgumentException("target names must differ: " + targetSpecs);
        }
        return result;
    }

    private static Target target(String spec) {
        if (spec.equals("kafka")) {
            return new KafkaTarget();
        }
        int eq = spec.indexOf('=');
        if (eq > 0) {
            String name = spec.substring(0, eq);
            String rest = spec.substring(eq + 1);
            if (rest.startsWith("cmd:")) {
                return new CommandTarget(name, rest.substring("cmd:".length()));
            }
            if (rest.startsWith("bootstrap:")) {
                return new BootstrapTarget(name, rest.substring("bootstrap:".length()));
            }
        }
        throw new IllegalArgumentException("bad --target '" + spec
                + "': use kafka, NAME=cmd:COMMAND or NAME=bootstrap:HOST:PORT");
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    private static long positiveLong(String flag, String text) {
        long v = Long.parseLong(text.replace("_", ""));
        if (v <= 0) {
            throw new IllegalArgumentException(flag + " must be positive: " + text);
        }
        return v;
    }
}
