package io.tributary.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;

/**
 * How each system copes with many partitions: for every partition count, a fresh cluster (3 brokers
 * by default) gets that many partitions (RF 3), in topics of at most 1,000 partitions, one
 * CreateTopics request per topic, all sent at once. Reported per system: the time from sending the
 * requests until describeTopics shows a leader for every partition, the Raft groups (Tributary:
 * folders under {@code <log.dirs>/raft/}), and per broker process, after a settling pause, its
 * threads and RSS and its CPU use over an idle window, from {@code /proc}.
 *
 * <p>Why topics of at most 1,000 partitions: Kafka's controller refuses a request that would write
 * more than 10,000 metadata records ("Excessively large number of partitions per request"), and a
 * 10,000-partition topic is 10,001 records. Both systems get the same requests.
 */
public final class ScaleBenchmark {
    static final String USAGE = """
            usage: run-scale-bench.sh [flags]
              --systems LIST          systems in round order, the first is A in the ratios (default kafka,tributary)
              --partitions LIST       partition counts, each in a fresh cluster (default 1000,10000; 0 = idle
                                      cluster without topics)
              --partitions-per-topic N  largest topic (default 1000)
              --replication-factor N  (default 3)
              --rounds N              rounds per partition count, systems interleaved (default 1)
              --idle-seconds N        idle window for the CPU figure (default 60)
              --settle-seconds N      pause between the last leader and the measurements (default 15)
              --create-timeout N      seconds to wait for every partition's leader (default 600)
            """ + ClusterOptions.usage(3);

    /** What one system's broker process showed. */
    record BrokerFigures(int id, int threads, long rssKb, double idleCpuPercent, int raftGroups) {
    }

    /** One system at one partition count in one round. */
    record Run(String system, int partitions, double startSeconds, double createSeconds, int ledPartitions,
               List<BrokerFigures> brokers, int raftGroupsDistinct, List<String> problems) {
        double sum(ToDoubleFunction<BrokerFigures> f) {
            return brokers.isEmpty() ? Double.NaN : brokers.stream().mapToDouble(f).sum();
        }
    }

    private record Options(List<Integer> partitionCounts, int perTopic, short replicationFactor, int rounds,
                           int idleSeconds, int settleSeconds, int createTimeoutSeconds, String systems,
                           ClusterOptions cluster, boolean help) {
        static Options parse(String[] args) {
            List<Integer> counts = List.of(1000, 10000);
            int perTopic = 1000;
            int rf = 3;
            int rounds = 1;
            int idle = 60;
            int settle = 15;
            int createTimeout = 600;
            String systems = "kafka,tributary";
            boolean help = false;
            ClusterOptions cluster = new ClusterOptions(3);
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                int taken = cluster.accept(args, i);
                if (taken >= 0) {
                    i = taken;
                    continue;
                }
                switch (flag) {
                    case "--systems" -> systems = Cli.value(args, ++i, flag);
                    case "--partitions" -> counts = counts(flag, Cli.value(args, ++i, flag));
                    case "--partitions-per-topic" -> perTopic = Cli.positiveInt(flag, Cli.value(args, ++i, flag));
                    case "--replication-factor" -> rf = Cli.positiveInt(flag, Cli.value(args, ++i, flag));
                    case "--rounds" -> rounds = Cli.positiveInt(flag, Cli.value(args, ++i, flag));
                    case "--idle-seconds" -> idle = Cli.positiveInt(flag, Cli.value(args, ++i, flag));
                    case "--settle-seconds" -> settle = Integer.parseInt(Cli.value(args, ++i, flag));
                    case "--create-timeout" -> createTimeout = Cli.positiveInt(flag, Cli.value(args, ++i, flag));
                    case "-h", "--help" -> help = true;
                    default -> throw new IllegalArgumentException("unknown flag: " + flag);
                }
            }
            return new Options(counts, perTopic, (short) rf, rounds, idle, Math.max(0, settle), createTimeout,
                    systems, cluster, help);
        }

        private static List<Integer> counts(String flag, String text) {
            List<Integer> out = new ArrayList<>();
            for (String s : text.split(",")) {
                if (!s.isBlank()) {
                    int n = Integer.parseInt(s.trim().replace("_", ""));
                    if (n < 0) {
                        throw new IllegalArgumentException(flag + " must not be negative: " + text);
                    }
                    out.add(n);
                }
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException(flag + " needs at least one count");
            }
            return out;
        }
    }

    private final Options options;
    private final List<ClusterLauncher> systems;
    private final ClusterSpec spec;
    private final PrintStream out;

    private ScaleBenchmark(Options options, PrintStream out) {
        this.options = options;
        this.systems = options.cluster().launchers(options.systems());
        this.spec = options.cluster().spec();
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        Options options = Cli.parseOrExit(args, Options::parse, Options::help, USAGE);
        boolean ok = new ScaleBenchmark(options, System.out).run();
        System.exit(ok ? 0 : 1);
    }

    private boolean run() {
        out.printf(Locale.ROOT, "Scale benchmark: partitions %s (RF %d, at most %,d per topic); systems %s; rounds %d;"
                        + " settle %d s; idle window %d s%n",
                options.partitionCounts(), options.replicationFactor(), options.perTopic(),
                systems.stream().map(ClusterLauncher::name).collect(Collectors.joining(", ")), options.rounds(),
                options.settleSeconds(), options.idleSeconds());
        out.println(options.cluster().describe());
        Map<Integer, Map<String, List<Run>>> runs = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        int total = options.partitionCounts().size() * options.rounds() * systems.size();
        int step = 0;
        for (int partitions : options.partitionCounts()) {
            for (int round = 1; round <= options.rounds(); round++) {
                for (ClusterLauncher system : systems) {
                    step++;
                    String label = String.format(Locale.ROOT, "[%d/%d] %s, %,d partitions, round %d", step, total,
                            system.name(), partitions, round);
                    Run r = runOne(system, partitions, label);
                    runs.computeIfAbsent(partitions, k -> new LinkedHashMap<>())
                            .computeIfAbsent(system.name(), k -> new ArrayList<>()).add(r);
                    r.problems().forEach(p -> problems.add(label + ": " + p));
                }
            }
        }
        printTables(runs);
        if (!problems.isEmpty()) {
            out.println("Problems:");
            problems.forEach(p -> out.println("  " + p));
            out.println();
        }
        return problems.isEmpty();
    }

    private Run runOne(ClusterLauncher system, int partitions, String label) {
        out.printf("%s: starting %d brokers ...%n", label, spec.brokers());
        List<String> problems = new ArrayList<>();
        long t0 = System.nanoTime();
        BrokerCluster cluster;
        try {
            cluster = system.start(spec);
        } catch (Exception e) {
            problems.add("start failed: " + e.getMessage());
            out.println("  ! start failed: " + e.getMessage());
            return new Run(system.name(), partitions, Double.NaN, Double.NaN, 0, List.of(), -1, problems);
        }
        double startSeconds = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "  started in %.1f s; pids %s%n", startSeconds,
                cluster.brokers().stream().map(b -> Long.toString(b.pid())).collect(Collectors.joining(", ")));
        double createSeconds = Double.NaN;
        int led = 0;
        List<BrokerFigures> figures = List.of();
        int distinctGroups = -1;
        try {
            if (partitions > 0) {
                Creation c = create(cluster, partitions);
                createSeconds = c.seconds();
                led = c.led();
                problems.addAll(c.problems());
                out.printf(Locale.ROOT, "  %s%n", c.summary(partitions));
            }
            if (cluster.allAlive()) {
                sleepWhileAlive(cluster, options.settleSeconds());
            }
            if (!cluster.allAlive()) {
                problems.addAll(cluster.exited());
            } else {
                out.printf("  settled %d s; measuring %d s idle ...%n", options.settleSeconds(), options.idleSeconds());
                Measured m = measure(cluster, system.name().equals("tributary"));
                figures = m.figures();
                distinctGroups = m.distinctGroups();
                if (!cluster.allAlive()) {
                    problems.addAll(cluster.exited());
                }
                out.printf(Locale.ROOT, "  threads %s; RSS MiB %s; idle CPU %% %s%s%n",
                        perBroker(figures, f -> f.threads(), 0), perBroker(figures, f -> f.rssKb() / 1024.0, 0),
                        perBroker(figures, BrokerFigures::idleCpuPercent, 1),
                        distinctGroups < 0 ? "" : "; raft groups " + distinctGroups + " (per broker "
                                + figures.stream().map(f -> Integer.toString(f.raftGroups()))
                                .collect(Collectors.joining("/")) + ")");
            }
        } catch (Exception e) {
            problems.add("failed: " + e);
        } finally {
            if (!problems.isEmpty()) {
                cluster.keepFiles();
                problems.add("logs and data kept in " + cluster.home());
                problems.forEach(p -> out.println("  ! " + p));
            }
            cluster.close();
        }
        return new Run(system.name(), partitions, startSeconds, createSeconds, led, figures, distinctGroups, problems);
    }

    private record Creation(double seconds, int led, List<String> problems) {
        String summary(int partitions) {
            if (!Double.isNaN(seconds)) {
                return String.format(Locale.ROOT, "created %,d partitions, all with a leader, in %.1f s", partitions, seconds);
            }
            return String.format(Locale.ROOT, "creation incomplete: %,d of %,d partitions have a leader", led, partitions);
        }
    }

    /**
     * Sends one CreateTopics request per topic, all at once, and polls describeTopics until every
     * partition has a leader, the timeout passes, a request fails or a broker exits.
     */
    private Creation create(BrokerCluster cluster, int partitions) throws InterruptedException {
        Duration timeout = Duration.ofSeconds(options.createTimeoutSeconds());
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, Integer> topics = new LinkedHashMap<>();
        for (int left = partitions, k = 0; left > 0; k++) {
            int n = Math.min(left, options.perTopic());
            topics.put(String.format("scale-%s-%03d", run, k), n);
            left -= n;
        }
        List<String> problems = new ArrayList<>();
        try (Admin admin = AdminOps.connect(cluster.bootstrap(), timeout, timeout)) {
            long start = System.nanoTime();
            long deadline = start + timeout.toNanos();
            Map<String, KafkaFuture<Void>> pending = new LinkedHashMap<>();
            for (Map.Entry<String, Integer> t : topics.entrySet()) {
                pending.put(t.getKey(), admin.createTopics(
                        List.of(new NewTopic(t.getKey(), t.getValue(), options.replicationFactor())),
                        new CreateTopicsOptions().timeoutMs((int) timeout.toMillis())).all());
            }
            Set<String> created = new LinkedHashSet<>();
            int expected = 0;
            int led = 0;
            long pollMs = partitions >= 5000 ? 1000 : 250;
            while (true) {
                for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
                    Map.Entry<String, KafkaFuture<Void>> e = it.next();
                    if (!e.getValue().isDone()) {
                        continue;
                    }
                    it.remove();
                    try {
                        e.getValue().get();
                        created.add(e.getKey());
                        expected += topics.get(e.getKey());
                    } catch (ExecutionException failed) {
                        problems.add("createTopics " + e.getKey() + " (" + topics.get(e.getKey()) + " partitions) failed after "
                                + seconds(start) + " s: " + failed.getCause());
                    }
                }
                if (!created.isEmpty()) {
                    led = AdminOps.partitionsWithLeader(admin, created);
                }
                if (pending.isEmpty() && led >= expected) {
                    double took = (System.nanoTime() - start) / 1e9;
                    return new Creation(problems.isEmpty() ? took : Double.NaN, led, problems);
                }
                if (!cluster.allAlive()) {
                    problems.addAll(cluster.exited());
                    return new Creation(Double.NaN, led, problems);
                }
                if (System.nanoTime() > deadline) {
                    problems.add(String.format(Locale.ROOT, "timed out after %d s: %,d of %,d partitions have a leader"
                                    + " (%d of %d CreateTopics requests unanswered)", timeout.toSeconds(), led, partitions,
                            pending.size(), topics.size()));
                    return new Creation(Double.NaN, led, problems);
                }
                Thread.sleep(pollMs);
            }
        }
    }

    private record Measured(List<BrokerFigures> figures, int distinctGroups) {
    }

    private Measured measure(BrokerCluster cluster, boolean countRaftGroups) throws Exception {
        List<BrokerCluster.Broker> brokers = cluster.brokers();
        Map<String, Long> termsBefore = cluster.maxTermPerGroup();
        List<ProcStats.Sample> before = new ArrayList<>();
        for (BrokerCluster.Broker b : brokers) {
            before.add(ProcStats.read(b.pid()));
        }
        sleepWhileAlive(cluster, options.idleSeconds());
        List<BrokerFigures> figures = new ArrayList<>();
        Set<String> distinct = new LinkedHashSet<>();
        for (int i = 0; i < brokers.size(); i++) {
            BrokerCluster.Broker b = brokers.get(i);
            ProcStats.Sample after = ProcStats.read(b.pid());
            int groups = -1;
            if (countRaftGroups) {
                List<String> names = TributaryCluster.raftGroups(b.dataDir());
                groups = names.size();
                distinct.addAll(names);
            }
            figures.add(new BrokerFigures(b.id(), after.threads(), after.rssKb(),
                    after.cpuPercentSince(before.get(i)), groups));
        }
        Map<String, Long> termsAfter = cluster.maxTermPerGroup();
        if (!termsAfter.isEmpty()) {
            long elections = 0;
            for (Map.Entry<String, Long> e : termsAfter.entrySet()) {
                elections += e.getValue() - termsBefore.getOrDefault(e.getKey(), 0L);
            }
            out.printf("  %s; %d election(s) during the idle window%n", cluster.termSummary(), elections);
        }
        return new Measured(figures, countRaftGroups ? distinct.size() : -1);
    }

    private static void sleepWhileAlive(BrokerCluster cluster, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end && cluster.allAlive()) {
            Thread.sleep(Math.min(500, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
        }
    }

    private static String seconds(long startNanos) {
        return String.format(Locale.ROOT, "%.1f", (System.nanoTime() - startNanos) / 1e9);
    }

    private static String perBroker(List<BrokerFigures> figures, ToDoubleFunction<BrokerFigures> f, int decimals) {
        if (figures.isEmpty()) {
            return "-";
        }
        String each = figures.stream().map(x -> fmt(f.applyAsDouble(x), decimals)).collect(Collectors.joining("/"));
        return figures.size() == 1 ? each : each + " (" + fmt(figures.stream().mapToDouble(f).sum(), decimals) + ")";
    }

    private static String fmt(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    // ---- the table

    private static final String ROW = "  %-17s %9s %13s %18s %24s %22s%n";

    private void printTables(Map<Integer, Map<String, List<Run>>> runs) {
        out.println();
        out.printf("Results: best (lowest) of %d round(s) per system and column; per broker b1/b2/b3 (sum); "
                + "ratio = system / %s on the sums%n", options.rounds(), systems.get(0).name());
        out.println("create s: from sending CreateTopics until every partition has a leader. raft groups: "
                + "distinct groups (Tributary: folders under <log.dirs>/raft/; per broker in parentheses). "
                + "idle CPU: % of one core over the idle window.");
        for (Map.Entry<Integer, Map<String, List<Run>>> e : runs.entrySet()) {
            out.println();
            out.printf(Locale.ROOT, "%,d partitions, RF %d, %d brokers, idle window %d s%n", e.getKey(),
                    options.replicationFactor(), spec.brokers(), options.idleSeconds());
            out.printf(ROW, "system", "create s", "raft groups", "threads", "RSS MiB", "idle CPU %");
            Map<String, Run> bestCreate = new LinkedHashMap<>();
            Map<String, Run> bestThreads = new LinkedHashMap<>();
            Map<String, Run> bestRss = new LinkedHashMap<>();
            Map<String, Run> bestCpu = new LinkedHashMap<>();
            for (ClusterLauncher system : systems) {
                List<Run> list = e.getValue().getOrDefault(system.name(), List.of());
                Run create = lowest(list, Run::createSeconds);
                Run threads = lowest(list, r -> r.sum(BrokerFigures::threads));
                Run rss = lowest(list, r -> r.sum(f -> f.rssKb()));
                Run cpu = lowest(list, r -> r.sum(BrokerFigures::idleCpuPercent));
                bestCreate.put(system.name(), create);
                bestThreads.put(system.name(), threads);
                bestRss.put(system.name(), rss);
                bestCpu.put(system.name(), cpu);
                Run any = list.isEmpty() ? null : list.get(0);
                String created = create != null ? fmt(create.createSeconds(), 1)
                        : any == null || e.getKey() == 0 ? "-" : String.format(Locale.ROOT, "failed %,d/%,d", any.ledPartitions(), e.getKey());
                String groups = any == null || any.raftGroupsDistinct() < 0 ? "n/a"
                        : any.raftGroupsDistinct() + " (" + any.brokers().stream()
                        .map(f -> Integer.toString(f.raftGroups())).collect(Collectors.joining("/")) + ")";
                out.printf(ROW, system.name(), created, groups,
                        threads == null ? "-" : perBroker(threads.brokers(), BrokerFigures::threads, 0),
                        rss == null ? "-" : perBroker(rss.brokers(), f -> f.rssKb() / 1024.0, 0),
                        cpu == null ? "-" : perBroker(cpu.brokers(), BrokerFigures::idleCpuPercent, 1));
            }
            String a = systems.get(0).name();
            for (ClusterLauncher system : systems.subList(1, systems.size())) {
                String b = system.name();
                out.printf(ROW, b + "/" + a,
                        ratio(bestCreate.get(b), bestCreate.get(a), Run::createSeconds), "",
                        ratio(bestThreads.get(b), bestThreads.get(a), r -> r.sum(BrokerFigures::threads)),
                        ratio(bestRss.get(b), bestRss.get(a), r -> r.sum(f -> f.rssKb())),
                        ratio(bestCpu.get(b), bestCpu.get(a), r -> r.sum(BrokerFigures::idleCpuPercent)));
            }
        }
        out.println();
    }

    private static Run lowest(List<Run> runs, ToDoubleFunction<Run> f) {
        Run best = null;
        for (Run r : runs) {
            double v = f.applyAsDouble(r);
            if (!Double.isNaN(v) && (best == null || v < f.applyAsDouble(best))) {
                best = r;
            }
        }
        return best;
    }

    private static String ratio(Run b, Run a, ToDoubleFunction<Run> f) {
        if (a == null || b == null) {
            return "-";
        }
        double x = f.applyAsDouble(b);
        double y = f.applyAsDouble(a);
        return Double.isNaN(x) || Double.isNaN(y) || y == 0 ? "-" : String.format(Locale.ROOT, "%.2fx", x / y);
    }
}
