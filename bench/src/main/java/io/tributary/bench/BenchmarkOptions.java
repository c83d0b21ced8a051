package io.tributary.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Command-line flags of {@link BrokerBenchmark}. */
record BenchmarkOptions(long records, long warmupRecords, int rounds, String workloadIds, boolean onlyKafka,
                        Duration producerCap, int latencySeconds, List<String> targetSpecs,
                        PerfRunner.TopicLayout topicLayout, ClusterOptions cluster, boolean help) {

    static final String USAGE = """
            usage: run-broker-bench.sh [flags]
              --target SPEC        a system to measure; repeat for several (the first is A in the ratios):
                                     kafka                    Apache Kafka 4.4 started by the harness
                                     tributary                Tributary from its broker jar, started by
                                                              the harness
                                     NAME=cmd:COMMAND         a shell command starting a broker; {port},
                                                              {port2} and {dir} are filled in per round
                                     NAME=bootstrap:HOST:PORT a broker already running on 127.0.0.1
                                   default: kafka
              --only-kafka         ignore --target and measure Kafka alone
              --records N          records per full-speed producer run (default 1000000)
              --warmup-records N   before the measured runs, every started target first takes N records
                                   (1 KiB, acks=all) into a topic of their own, not measured, so that
                                   both JVMs have compiled their hot code; 0 measures cold JVMs
                                   (default 500000)
              --rounds N           rounds; each round starts every target afresh, in order (default 2)
              --workloads IDS      comma-separated subset of a,b,c,d,e,t (default a,b,c,d,e)
              --max-seconds N      stop a full-speed producer run after N s (default 60)
              --latency-seconds N  length of the fixed-rate latency run (d) (default 30)
              --partitions N       partitions of each producer run's topic (default 1)
              --replication-factor N  its replication factor (default 1)
            for the built-in kafka and tributary targets:
            """ + ClusterOptions.usage(1);

    static BenchmarkOptions parse(String[] args) {
        long records = 1_000_000;
        long warmupRecords = 500_000;
        int rounds = 2;
        String workloads = "a,b,c,d,e";
        boolean onlyKafka = false;
        int maxSeconds = 60;
        int latencySeconds = 30;
        int partitions = 1;
        int replicationFactor = 1;
        boolean help = false;
        List<String> targets = new ArrayList<>();
        ClusterOptions cluster = new ClusterOptions(1);
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            int taken = cluster.accept(args, i);
            if (taken >= 0) {
                i = taken;
                continue;
            }
            switch (flag) {
                case "--records" -> records = Cli.positiveLong(flag, Cli.value(args, ++i, flag));
                case "--warmup-records" -> warmupRecords = Cli.nonNegativeLong(flag, Cli.value(args, ++i, flag));
                case "--rounds" -> rounds = Cli.positiveInt(flag, Cli.value(args, ++i, flag));
                case "--workloads" -> workloads = Cli.value(args, ++i, flag);
                case "--only-kafka" -> onlyKafka = true;
                case "--max-seconds" -> maxSeconds = Cli.positiveInt(flag, Cli.value(args, ++i, flag));
                case "--latency-seconds" -> latencySeconds = Cli.positiveInt(flag, Cli.value(args, ++i, flag));
                case "--partitions" -> partitions = Cli.positiveInt(flag, Cli.value(args, ++i, flag));
                case "--replication-factor" -> replicationFactor = Cli.positiveInt(flag, Cli.value(args, ++i, flag));
                case "--target" -> targets.add(Cli.value(args, ++i, flag));
                case "-h", "--help" -> help = true;
                default -> throw new IllegalArgumentException("unknown flag: " + flag);
            }
        }
        if (onlyKafka || targets.isEmpty()) {
            targets = List.of("kafka");
        }
        return new BenchmarkOptions(records, warmupRecords, rounds, workloads, onlyKafka, Duration.ofSeconds(maxSeconds),
                latencySeconds, List.copyOf(targets),
                new PerfRunner.TopicLayout(partitions, (short) replicationFactor), cluster, help);
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

    private Target target(String spec) {
        if (spec.equals("kafka") || spec.equals("tributary")) {
            return new ClusterTarget(cluster.launcher(spec), cluster.spec());
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
            if (rest.startsWith("jar:")) {
                return new ClusterTarget(new TributaryCluster(name, Path.of(rest.substring("jar:".length()))), cluster.spec());
            }
        }
        throw new IllegalArgumentException("bad --target '" + spec
                + "': use kafka, tributary, NAME=jar:PATH, NAME=cmd:COMMAND or NAME=bootstrap:HOST:PORT");
    }
}
