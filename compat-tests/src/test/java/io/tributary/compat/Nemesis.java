package io.tributary.compat;

import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Injects faults into a {@link Cluster} from a background thread, one at a time so that never more
 * than a minority (one broker of three) is impaired: kill -9 and restart, pause (SIGSTOP or docker
 * pause) and resume, clean restart, cuts of the Raft network (one broker isolated, or one link), and
 * disk loss (kill -9, the broker's data folder emptied, restart). Each fault lasts a few seconds; the
 * broker is back and serving before the next one starts, and after a disk loss back in every in-sync
 * replica set (until then its replicas exist on the others only).
 */
final class Nemesis implements AutoCloseable {

    enum Fault {
        KILL, PAUSE, RESTART, ISOLATE, CUT_LINK, DISK_LOSS
    }

    private final Cluster cluster;
    private final Set<Fault> kinds;
    private final Random random;
    private final Duration pauseBetween;
    private final Map<Fault, AtomicInteger> injected = new ConcurrentHashMap<>();
    private final Map<Fault, AtomicInteger> completed = new ConcurrentHashMap<>();
    private final List<String> history = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean running = true;

    Nemesis(Cluster cluster, Set<Fault> kinds, long seed, Duration pauseBetween) {
        this.cluster = cluster;
        this.kinds = EnumSet.copyOf(kinds);
        this.random = new Random(seed);
        this.pauseBetween = pauseBetween;
        this.thread = new Thread(this::run, "nemesis");
        this.thread.setDaemon(true);
        for (Fault fault : Fault.values()) {
            injected.put(fault, new AtomicInteger());
            completed.put(fault, new AtomicInteger());
        }
    }

    void start() {
        thread.start();
    }

    private void run() {
        List<Integer> ids = new ArrayList<>(cluster.nodeIds());
        java.util.ArrayDeque<Fault> upcoming = new java.util.ArrayDeque<>();
        while (running) {
            try {
                sleepMillis(pauseBetween.toMillis() / 2 + random.nextInt((int) Math.max(1, pauseBetween.toMillis())));
                if (!running) {
                    return;
                }
                if (upcoming.isEmpty()) {
                    // Every kind once per round, in a random order: a short run still sees each of them.
                    List<Fault> round = new ArrayList<>(kinds);
                    java.util.Collections.shuffle(round, random);
                    upcoming.addAll(round);
                }
                Fault fault = upcoming.poll();
                int victim = ids.get(random.nextInt(ids.size()));
                long hold = 2_000 + random.nextInt(3_000);
                inject(fault, victim, hold);
                completed.get(fault).incrementAndGet();
            } catch (InterruptedException e) {
                return;
            } catch (Throwable e) {
                // A broker that cannot come back is a finding: stop injecting and let the test report it.
                failure.compareAndSet(null, e);
                log("nemesis stopped: " + e);
                return;
            }
        }
    }

    private void inject(Fault fault, int victim, long holdMillis) throws InterruptedException {
        ClusterMember member = cluster.member(victim);
        injected.get(fault).incrementAndGet();
        switch (fault) {
            case KILL -> {
                log("kill -9 broker " + victim);
                member.kill();
                sleepMillis(holdMillis);
                log("start broker " + victim);
                member.spawn();
                member.awaitServing();
            }
            case PAUSE -> {
                log("pause broker " + victim + " for " + holdMillis + " ms");
                member.pause();
                sleepMillis(holdMillis);
                member.resume();
                log("resumed broker " + victim);
            }
            case RESTART -> {
                log("restart broker " + victim);
                member.stop();
                member.spawn();
                member.awaitServing();
                log("broker " + victim + " serving again");
            }
            case ISOLATE -> {
                Set<Integer> others = new TreeSet<>(cluster.nodeIds());
                others.remove(victim);
                log("cut broker " + victim + "'s Raft links to " + others + " for " + holdMillis + " ms");
                cluster.links().partition(Set.of(victim), others);
                sleepMillis(holdMillis);
                cluster.links().healAll();
                log("healed");
            }
            case CUT_LINK -> {
                List<Integer> others = new ArrayList<>(cluster.nodeIds());
                others.remove(Integer.valueOf(victim));
                int other = others.get(random.nextInt(others.size()));
                log("cut Raft link " + victim + "<->" + other + " for " + holdMillis + " ms");
                cluster.links().cut(victim, other);
                sleepMillis(holdMillis);
                cluster.links().healAll();
                log("healed");
            }
            case DISK_LOSS -> {
                log("kill -9 broker " + victim + " and empty its data folder");
                member.kill();
                BrokerProcess.deleteContents(member.dataDir());
                member.spawn();
                member.awaitServing();
                cluster.awaitInSync(victim, Duration.ofMinutes(2));
                log("broker " + victim + " rebuilt its replicas and is in sync again");
            }
            default -> throw new IllegalStateException(fault.toString());
        }
    }

    /**
     * Waits until every kind of fault has been injected (and undone) at least once, so a short run
     * covers them all, or until {@code timeout}, or until the nemesis stopped on a failure.
     */
    void awaitEveryKind(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && failure.get() == null && thread.isAlive()
                && (kinds.stream().anyMatch(kind -> completed.get(kind).get() == 0))) {
            BrokerProcess.sleep(Duration.ofMillis(200));
        }
    }

    /** Stops injecting, undoes the fault in progress and brings every broker back. */
    @Override
    public void close() {
        running = false;
        // Not interrupted: the fault in progress finishes (a few seconds), so no broker is left half done.
        try {
            thread.join(Duration.ofMinutes(3).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (cluster.linksOrNull() != null) {
            cluster.links().healAll();
        }
        for (ClusterMember member : cluster.members()) {
            if (member.isPaused()) {
                member.resume();
            }
            if (!member.isAlive()) {
                log("start broker " + member.nodeId() + " (left down)");
                member.spawn();
                member.awaitServing();
            }
        }
    }

    /** A fault that could not be undone (e.g. a broker that never served again), if any. */
    Throwable failure() {
        return failure.get();
    }

    Map<Fault, Integer> injected() {
        Map<Fault, Integer> counts = new TreeMap<>();
        injected.forEach((fault, count) -> {
            if (kinds.contains(fault)) {
                counts.put(fault, count.get());
            }
        });
        return counts;
    }

    int total() {
        return injected.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    List<String> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    private void log(String event) {
        String line = LocalTime.now() + " " + event;
        history.add(line);
        System.out.println("nemesis: " + line);
    }

    private static void sleepMillis(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }
}
