package io.tributary.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Consumer group rebalances, timed on each system in interleaved rounds. Per round, on a fresh
 * cluster: a topic of 6 partitions with a producer writing to every partition all along; two
 * consumers ({@link GroupMemberProcess} JVMs) in one group share it; then
 * <ol>
 *   <li><b>join</b>: a third consumer starts; timed from just before its subscribe until all three
 *       have the same generation, their assignments split the 6 partitions, and each has received a
 *       record from every partition its last assignment gave it;</li>
 *   <li><b>kill</b>: one of the first two is killed with SIGKILL (no LeaveGroup); timed from the
 *       kill until the two survivors have a new generation splitting the 6 partitions and the dead
 *       member's partitions have each delivered a record to their new owner. This is dominated by
 *       {@code session.timeout.ms} (6000 here).</li>
 * </ol>
 * Each phase also reports when the last assignment callback ran ("assigned"). Both systems get the
 * same consumer settings; see {@link #DEFAULT_CONSUMER}.
 */
public final class GroupRebalanceBenchmark {
    /** Consumer settings of every member, on both systems, unless --consumer-property overrides. */
    static final Map<String, String> DEFAULT_CONSUMER = defaults();

    private static Map<String, String> defaults() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("group.protocol", "classic");
        m.put("session.timeout.ms", "6000");
        m.put("heartbeat.interval.ms", "2000");
        return m;
    }

    static final String USAGE = """
            usage: run-group-bench.sh [flags]
              --systems LIST          systems in round order, the first is A in the ratios (default kafka,tributary)
              --rounds N              rounds; each starts every system afresh (default 2)
              --partitions N          partitions of the topic (default 6)
              --rate N                records per second the producer writes to each partition (default 50)
              --consumer-property K=V a consumer setting for every member on both systems; repeat
                                      (defaults: group.protocol=classic, session.timeout.ms=6000,
                                      heartbeat.interval.ms=2000; the rest are Kafka's defaults)
              --phase-timeout N       seconds a phase may take before the round fails (default 120)
            """ + ClusterOptions.usage(1);

    /** The figures of one round, in ms; -1 where the phase did not complete. */
    record Round(long joinAssignedMs, long joinConsumingMs, long killAssignedMs, long killConsumingMs) {
    }

    private record Options(String systems, int rounds, int partitions, int rate, Map<String, String> consumer,
                           int phaseTimeoutSeconds, ClusterOptions cluster, boolean help) {
        static Options parse(String[] args) {
            String systems = "kafka,tributary";
            int rounds = 2;
            int partitions = 6;
            int rate = 50;
            int timeout = 120;
            boolean help = false;
            Map<String, String> consumer = new LinkedHashMap<>(DEFAULT_CONSUMER);
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
                    case "--partitions" -> partitions = Cli.positiveInt(flag, Cli.value(args, ++i, flag));
                    case "--rate" -> rate = Cli.positiveInt(flag, Cli.value(args, ++i, flag));
                    case "--consumer-property" -> Cli.keyValue(flag, Cli.value(args, ++i, flag), consumer);
                    case "--phase-timeout" -> timeout = Cli.positiveInt(flag, Cli.value(args, ++i, flag));
                    case "-h", "--help" -> help = true;
                    default -> throw new IllegalArgumentException("unknown flag: " + flag);
                }
            }
            return new Options(systems, rounds, partitions, rate, consumer, timeout, cluster, help);
        }
    }

    private final Options options;
    private final List<ClusterLauncher> systems;
    private final ClusterSpec spec;
    private final PrintStream out;
    private final Duration phaseTimeout;

    private GroupRebalanceBenchmark(Options options, PrintStream out) {
        this.options = options;
        this.systems = options.cluster().launchers(options.systems());
        this.spec = options.cluster().spec();
        this.out = out;
        this.phaseTimeout = Duration.ofSeconds(options.phaseTimeoutSeconds());
    }

    public static void main(String[] args) throws Exception {
        Options options = Cli.parseOrExit(args, Options::parse, Options::help, USAGE);
        boolean ok = new GroupRebalanceBenchmark(options, System.out).run();
        System.exit(ok ? 0 : 1);
    }

    private boolean run() throws Exception {
        Path logDir = ChildProcesses.tempDir("tributary-bench-group-");
        out.printf("Group rebalance benchmark: systems %s; rounds %d; topic of %d partitions, %d records/s each%n",
                systems.stream().map(ClusterLauncher::name).collect(Collectors.joining(", ")), options.rounds(),
                options.partitions(), options.rate());
        out.println(options.cluster().describe());
        out.println("Consumer settings for both (others: Kafka's defaults): " + options.consumer());
        out.println("Member output (deleted at the end unless a round failed or --keep-logs): " + logDir);
        InterleavedRounds<Round> rounds = InterleavedRounds.run(systems, options.rounds(), out,
                (system, label) -> runRound(system, label, logDir));
        List<String> failures = rounds.failures();
        printTable(rounds.results());
        if (!failures.isEmpty()) {
            out.println("Failures:");
            failures.forEach(f -> out.println("  " + f.lines().findFirst().orElse(f)));
            ChildProcesses.keep(logDir);
            out.println("Member output kept in " + logDir);
            out.println();
        } else if (spec.keepLogs()) {
            ChildProcesses.keep(logDir);
            out.println("Member output kept in " + logDir);
        } else {
            ChildProcesses.deleteTree(logDir);
        }
        return failures.isEmpty();
    }

    private Round runRound(ClusterLauncher system, String label, Path logDir) throws Exception {
        out.printf("%s: starting %d broker(s) ...%n", label, spec.brokers());
        BrokerCluster cluster = system.start(spec);
        boolean failed = true;
        GroupMembers members = null;
        Producer producer = null;
        try {
            String topic = "rebalance-" + UUID.randomUUID().toString().substring(0, 8);
            String group = "bench-" + system.name() + "-" + topic.substring("rebalance-".length());
            AdminOps.createTopic(cluster.bootstrap(), topic, options.partitions(), spec.fittingReplicationFactor());
            AdminOps.awaitWritable(cluster.bootstrap(), topic, options.partitions(), phaseTimeout);
            producer = new Producer(cluster.bootstrap(), topic, options.partitions(), options.rate());
            List<String> props = options.consumer().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
            members = new GroupMembers(cluster.bootstrap(), topic, group, props, logDir);

            GroupMembers.Member a = members.start("member-a");
            GroupMembers.Member b = members.start("member-b");
            GroupMembers.Settled first = GroupMembers.await(List.of(a, b), options.partitions(), 0, null, phaseTimeout);
            if (first == null) {
                throw new IllegalStateException(label + ": the first two members did not settle within " + phaseTimeout
                        + "\n" + members.describe() + producer.describe());
            }
            out.printf("  two members consuming (%s / %s)%n", a.assignmentText(), b.assignmentText());
            pauseAtRandomHeartbeatPhase();

            GroupMembers.Member c = members.start("member-c");
            long deadline = System.nanoTime() + phaseTimeout.toNanos();
            while (c.startMs() < 0 && System.nanoTime() < deadline && c.process.isAlive()) {
                Thread.sleep(10);
            }
            if (c.startMs() < 0) {
                throw new IllegalStateException(label + ": the third member did not start\n"
                        + ChildProcesses.tail(c.log, 15));
            }
            GroupMembers.Settled joined = GroupMembers.await(List.of(a, b, c), options.partitions(), c.startMs(), null,
                    phaseTimeout);
            if (joined == null) {
                throw new IllegalStateException(label + ": no settled group of three within " + phaseTimeout
                        + " after the third member subscribed\n" + members.describe() + producer.describe());
            }
            long joinAssigned = joined.assignedMs() - c.startMs();
            long joinConsuming = joined.consumingMs() - c.startMs();
            out.printf("  join: all three assigned after %d ms, consuming after %d ms (%s / %s / %s)%n",
                    joinAssigned, joinConsuming, a.assignmentText(), b.assignmentText(), c.assignmentText());
            pauseAtRandomHeartbeatPhase();

            Set<Integer> orphaned = a.assignment();
            long killMs = System.currentTimeMillis();
            ChildProcesses.crash(a.process);
            GroupMembers.Settled recovered = GroupMembers.await(List.of(b, c), options.partitions(), killMs, orphaned,
                    phaseTimeout.plusMillis(sessionTimeoutMs()));
            if (recovered == null) {
                throw new IllegalStateException(label + ": the killed member's partitions " + orphaned
                        + " were not consumed again within " + phaseTimeout + " plus the session timeout\n"
                        + members.describe() + producer.describe());
            }
            long killAssigned = recovered.assignedMs() - killMs;
            long killConsuming = recovered.consumingMs() - killMs;
            out.printf("  kill -9 of member-a (%s): survivors assigned after %d ms, its partitions consumed after %d ms"
                            + " (%s / %s)%n", new java.util.TreeSet<>(orphaned), killAssigned, killConsuming, b.assignmentText(),
                    c.assignmentText());
            String errors = producer.errors();
            if (errors != null) {
                out.println("  producer: " + errors);
            }
            String terms = cluster.termSummary();
            if (!terms.isEmpty()) {
                out.println("  " + terms);
            }
            failed = false;
            return new Round(joinAssigned, joinConsuming, killAssigned, killConsuming);
        } finally {
            if (members != null) {
                members.stopAll();
            }
            if (producer != null) {
                producer.close();
            }
            if (failed) {
                cluster.keepFiles();
                out.println("  broker logs kept in " + cluster.home());
            }
            cluster.close();
        }
    }

    /**
     * Waits 3 s plus a random part of a heartbeat interval. Members learn of a rebalance from their next
     * heartbeat, so a join or a kill at a fixed delay after the group settled would land at the same
     * point of their heartbeat cycle every round, and that point, not the broker, would decide the time.
     */
    private void pauseAtRandomHeartbeatPhase() throws InterruptedException {
        long heartbeatMs = Long.parseLong(options.consumer().getOrDefault("heartbeat.interval.ms", "3000"));
        Thread.sleep(3000 + ThreadLocalRandom.current().nextLong(heartbeatMs));
    }

    private long sessionTimeoutMs() {
        return Long.parseLong(options.consumer().getOrDefault("session.timeout.ms", "45000"));
    }

    /** Writes a small record to every partition, {@code rate} times a second each, from this JVM. */
    private static final class Producer implements AutoCloseable {
        private final KafkaProducer<byte[], byte[]> producer;
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-producer");
            t.setDaemon(true);
            return t;
        });
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();
        private final AtomicReference<Exception> lastError = new AtomicReference<>();

        Producer(String bootstrap, String topic, int partitions, int rate) {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ProducerConfig.CLIENT_ID_CONFIG, "bench-group-producer");
            p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            producer = new KafkaProducer<>(p);
            byte[] value = new byte[100];
            long periodMicros = 1_000_000L / rate;
            timer.scheduleAtFixedRate(() -> {
                for (int partition = 0; partition < partitions; partition++) {
                    producer.send(new ProducerRecord<>(topic, partition, null, value), (md, e) -> {
                        if (e == null) {
                            sent.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                            lastError.set(e);
                        }
                    });
                }
            }, 0, periodMicros, TimeUnit.MICROSECONDS);
        }

        /** Null when every send so far succeeded. */
        String errors() {
            return failed.get() == 0 ? null
                    : failed.get() + " of " + (failed.get() + sent.get()) + " sends failed; last: " + lastError.get();
        }

        String describe() {
            String e = errors();
            return "    producer: " + sent.get() + " records acknowledged" + (e == null ? "" : "; " + e) + "\n";
        }

        @Override
        public void close() {
            timer.shutdownNow();
            producer.close(Duration.ofSeconds(5));
        }
    }

    // ---- the table

    private static final String ROW = "  %-20s %14s %15s %14s %15s%n";

    private void printTable(Map<String, List<Round>> results) {
        out.println();
        out.printf("Results: median of %d round(s) per system and column, in ms; ratio = system / %s%n",
                options.rounds(), systems.get(0).name());
        out.println("join: from the third consumer's subscribe; kill: from SIGKILL of a member (session.timeout.ms="
                + sessionTimeoutMs() + "). assigned = last assignment callback; consuming = last first record.");
        out.printf(ROW, "system", "join assigned", "join consuming", "kill assigned", "kill consuming");
        Map<String, Round> medians = new LinkedHashMap<>();
        for (ClusterLauncher s : systems) {
            List<Round> rounds = results.getOrDefault(s.name(), List.of());
            Round b = new Round(median(rounds, Round::joinAssignedMs), median(rounds, Round::joinConsumingMs),
                    median(rounds, Round::killAssignedMs), median(rounds, Round::killConsumingMs));
            medians.put(s.name(), b);
            out.printf(ROW, s.name(), ms(b.joinAssignedMs()), ms(b.joinConsumingMs()), ms(b.killAssignedMs()),
                    ms(b.killConsumingMs()));
        }
        Round a = medians.get(systems.get(0).name());
        for (ClusterLauncher s : systems.subList(1, systems.size())) {
            Round b = medians.get(s.name());
            out.printf(ROW, s.name() + "/" + systems.get(0).name(), ratio(b.joinAssignedMs(), a.joinAssignedMs()),
                    ratio(b.joinConsumingMs(), a.joinConsumingMs()), ratio(b.killAssignedMs(), a.killAssignedMs()),
                    ratio(b.killConsumingMs(), a.killConsumingMs()));
        }
        out.println();
    }

    /** The median of the rounds that have the value (the lower middle one for an even count). */
    private static long median(List<Round> rounds, ToLongFunction<Round> f) {
        long[] values = rounds.stream().mapToLong(f).filter(v -> v >= 0).sorted().toArray();
        return values.length == 0 ? -1 : values[(values.length - 1) / 2];
    }

    private static String ms(long v) {
        return v < 0 ? "-" : String.format(Locale.ROOT, "%,d", v);
    }

    private static String ratio(long b, long a) {
        return a <= 0 || b < 0 ? "-" : String.format(Locale.ROOT, "%.2fx", b / (double) a);
    }
}
