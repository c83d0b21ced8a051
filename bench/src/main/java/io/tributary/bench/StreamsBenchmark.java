package io.tributary.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * An exactly-once Kafka Streams pass-through ({@link PassThroughStreamsProcess}), timed on each system
 * in interleaved rounds. Per round, on a fresh cluster: the input topic is filled with
 * {@code --records} records (not timed); then the application starts in its own JVM, and the clock runs
 * from its first RUNNING until its group's committed offsets reach the end of the input, that is until
 * every record was copied and committed in a transaction. The output's read_committed end offsets are
 * then checked to hold at least as many records.
 */
public final class StreamsBenchmark {
    static final String USAGE = """
            usage: run-streams-bench.sh [flags]
              --systems LIST      systems in round order, the first is A in the ratios (default kafka,tributary)
              --rounds N          rounds; each starts every system afresh (default 2)
              --records N         records the application copies per round (default 500000)
              --record-size N     bytes per record value (default 1024)
              --partitions N      partitions of the input and output topics (default 6)
              --timeout N         seconds the copy may take before the round fails (default 300)
            """ + ClusterOptions.usage(1);

    private record Options(String systems, int rounds, long records, int recordSize, int partitions,
                           int timeoutSeconds, ClusterOptions cluster, boolean help) {
        static Options parse(String[] args) {
            String systems = "kafka,tributary";
            int rounds = 2;
            long records = 500_000;
            int recordSize = 1024;
            int partitions = 6;
            int timeout = 300;
            boolean help = false;
            ClusterOptions cluster = new ClusterOptions(1);
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                int taken = cluster.accept(args, i);
                if (taken >= 0) {
                    i = taken;
                    continue;
                }
                switch (flag) {
                    case "--systems" -> systems = Cli.value(args, ++i, flag);
                    case "--rounds" -> rounds = Cli.positiveInt(flag, Cli.value(args, ++i, flag));
                    case "--records" -> records = Cli.positiveLong(flag, Cli.value(args, ++i, flag));
                    case "--record-size" -> recordSize = Cli.positiveInt(flag, Cli.value(args, ++i, flag));
                    case "--partitions" -> partitions = Cli.positiveInt(flag, Cli.value(args, ++i, flag));
                    case "--timeout" -> timeout = Cli.positiveInt(flag, Cli.value(args, ++i, flag));
                    case "-h", "--help" -> help = true;
                    default -> throw new IllegalArgumentException("unknown flag: " + flag);
                }
            }
            return new Options(systems, rounds, records, recordSize, partitions, timeout, cluster, help);
        }
    }

    /** One round: how long the copy took, from RUNNING to the last committed offset. */
    private record Round(long millis) {
    }

    private final Options options;
    private final List<ClusterLauncher> systems;
    private final ClusterSpec spec;
    private final PrintStream out;

    private StreamsBenchmark(Options options, PrintStream out) {
        this.options = options;
        this.systems = options.cluster().launchers(options.systems());
        this.spec = options.cluster().spec();
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        Options options = Cli.parseOrExit(args, Options::parse, Options::help, USAGE);
        boolean ok = new StreamsBenchmark(options, System.out).run();
        System.exit(ok ? 0 : 1);
    }

    private boolean run() throws Exception {
        Path logDir = ChildProcesses.tempDir("tributary-bench-streams-");
        out.printf("Streams exactly_once_v2 pass-through: systems %s; rounds %d; %,d records of %d B over %d partitions%n",
                systems.stream().map(ClusterLauncher::name).collect(Collectors.joining(", ")), options.rounds(),
                options.records(), options.recordSize(), options.partitions());
        out.println(options.cluster().describe());
        out.println("Application output (deleted at the end unless a round failed or --keep-logs): " + logDir);
        InterleavedRounds<Round> rounds = InterleavedRounds.run(systems, options.rounds(), out,
                (system, label) -> runRound(system, label, logDir));
        List<String> failures = rounds.failures();
        printTable(rounds.results());
        if (!failures.isEmpty() || spec.keepLogs()) {
            failures.forEach(f -> out.println("  failed: " + f.lines().findFirst().orElse(f)));
            ChildProcesses.keep(logDir);
            out.println("Application output kept in " + logDir);
        } else {
            ChildProcesses.deleteTree(logDir);
        }
        return failures.isEmpty();
    }

    private Round runRound(ClusterLauncher system, String label, Path logDir) throws Exception {
        out.printf("%s: starting %d broker(s) ...%n", label, spec.brokers());
        BrokerCluster cluster = system.start(spec);
        boolean failed = true;
        Process app = null;
        try {
            String suffix = UUID.randomUUID().toString().substring(0, 8);
            String input = "streams-in-" + suffix;
            String output = "streams-out-" + suffix;
            String application = "bench-pass-through-" + suffix;
            Duration timeout = Duration.ofSeconds(options.timeoutSeconds());
            for (String topic : List.of(input, output)) {
                AdminOps.createTopic(cluster.bootstrap(), topic, options.partitions(), spec.fittingReplicationFactor());
                AdminOps.awaitWritable(cluster.bootstrap(), topic, options.partitions(), timeout);
            }
            long filled = fill(cluster.bootstrap(), input);
            out.printf("  input filled: %,d records%n", filled);

            AtomicLong runningMs = new AtomicLong(-1);
            Path log = logDir.resolve(application + ".log");
            Path state = Files.createDirectories(logDir.resolve(application + "-state"));
            List<String> flags = new ArrayList<>(List.of("-Xmx512m"));
            flags.addAll(ChildProcesses.KAFKA_RUN_CLASS_FLAGS);
            app = ChildProcesses.startPiped(ChildProcesses.javaCommand(flags, PassThroughStreamsProcess.class.getName(),
                    List.of(cluster.bootstrap(), application, input, output, state.toString(),
                            Short.toString(spec.fittingReplicationFactor()))), log, line -> {
                if (line.startsWith("RUNNING ")) {
                    runningMs.compareAndSet(-1, Long.parseLong(line.substring("RUNNING ".length()).trim()));
                }
            });
            long doneMs = awaitCommitted(cluster.bootstrap(), application, input, filled, app, timeout, log);
            if (runningMs.get() < 0) {
                throw new IllegalStateException(label + ": the application committed without reporting RUNNING");
            }
            long copied = committedEnd(cluster.bootstrap(), output);
            if (copied < filled) {
                throw new IllegalStateException(label + ": the output holds " + copied + " committed records, expected "
                        + filled);
            }
            long millis = Math.max(1, doneMs - runningMs.get());
            out.printf("  copied and committed in %,d ms: %,.0f rec/s, %.2f MB/s%n", millis,
                    filled * 1000.0 / millis, filled * (double) options.recordSize() * 1000.0 / millis / (1 << 20));
            String terms = cluster.termSummary();
            if (!terms.isEmpty()) {
                out.println("  " + terms);
            }
            failed = false;
            return new Round(millis);
        } finally {
            if (app != null) {
                ChildProcesses.kill(app, Duration.ofSeconds(10));
            }
            if (failed) {
                cluster.keepFiles();
                out.println("  broker logs kept in " + cluster.home());
            }
            cluster.close();
        }
    }

    /** Writes the input, spread evenly over its partitions; returns how many records it holds. */
    private long fill(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "65536");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        byte[] value = new byte[options.recordSize()];
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (long i = 0; i < options.records(); i++) {
                producer.send(new ProducerRecord<>(topic, (int) (i % options.partitions()), null, value));
            }
            producer.flush();
        }
        return options.records();
    }

    /** The time (epoch ms) at which the group's committed offsets on {@code input} first summed to {@code records}. */
    private long awaitCommitted(String bootstrap, String group, String input, long records, Process app,
                                Duration timeout, Path log) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = AdminOps.connect(bootstrap)) {
            while (System.nanoTime() < deadline) {
                if (!app.isAlive()) {
                    throw new IllegalStateException("the application exited with code " + app.exitValue() + "\n"
                            + ChildProcesses.tail(log, 15));
                }
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                long sum = committed.entrySet().stream().filter(e -> e.getKey().topic().equals(input) && e.getValue() != null)
                        .mapToLong(e -> e.getValue().offset()).sum();
                if (sum >= records) {
                    return System.currentTimeMillis();
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("the application did not commit all " + records + " input records within "
                + timeout.toSeconds() + " s\n" + ChildProcesses.tail(log, 15));
    }

    /** The sum of the topic's read_committed end offsets (its records plus the markers before them). */
    private long committedEnd(String bootstrap, String topic) throws Exception {
        try (Admin admin = AdminOps.connect(bootstrap)) {
            Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
            for (int p = 0; p < options.partitions(); p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            return admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                    .get(30, TimeUnit.SECONDS).values().stream().mapToLong(r -> r.offset()).sum();
        }
    }

    private static final String ROW = "  %-22s %12s %10s %10s%n";

    private void printTable(Map<String, List<Round>> results) {
        out.println();
        out.printf("Results: best of %d round(s) per system; ratio = system / %s (higher is better)%n",
                options.rounds(), systems.get(0).name());
        out.printf(ROW, "system", "rec/s", "MB/s", "seconds");
        Map<String, Double> best = new LinkedHashMap<>();
        for (ClusterLauncher s : systems) {
            long fastest = results.getOrDefault(s.name(), List.of()).stream().mapToLong(Round::millis).min().orElse(-1);
            double rate = fastest <= 0 ? -1 : options.records() * 1000.0 / fastest;
            best.put(s.name(), rate);
            out.printf(ROW, s.name(), rate < 0 ? "-" : String.format(Locale.ROOT, "%,.0f", rate),
                    rate < 0 ? "-" : String.format(Locale.ROOT, "%.2f", rate * options.recordSize() / (1 << 20)),
                    rate < 0 ? "-" : String.format(Locale.ROOT, "%.1f", fastest / 1000.0));
        }
        double a = best.get(systems.get(0).name());
        for (ClusterLauncher s : systems.subList(1, systems.size())) {
            double b = best.get(s.name());
            String ratio = a <= 0 || b <= 0 ? "-" : String.format(Locale.ROOT, "%.2fx", b / a);
            out.printf(ROW, s.name() + "/" + systems.get(0).name(), ratio, ratio, "");
        }
        out.println();
    }
}
