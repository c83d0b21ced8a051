package io.tributary.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@link GroupMemberProcess} child JVMs of one round, and what their stdout lines say: each member's
 * generation, assignment, and when it got its first record from each partition it was last given.
 */
final class GroupMembers {
    /** One member: its process and the state its lines describe (guarded by the member). */
    static final class Member {
        final String name;
        final Path log;
        Process process;
        long startMs = -1;
        int generation = -1;
        long assignedMs = -1;
        Set<Integer> assignment = Set.of();
        /** Partitions added by the last assignment, and when their first record came (null: not yet). */
        final Map<Integer, Long> firstRecord = new HashMap<>();
        final List<String> lines = new ArrayList<>();

        Member(String name, Path log) {
            this.name = name;
            this.log = log;
        }

        synchronized void onLine(String line) {
            lines.add(line);
            String[] f = line.trim().split(" ");
            try {
                switch (f[0]) {
                    case "START" -> startMs = Long.parseLong(f[1]);
                    case "ASSIGNED" -> {
                        assignedMs = Long.parseLong(f[1]);
                        generation = Integer.parseInt(f[2]);
                        firstRecord.clear();
                        for (int p : partitions(f[3])) {
                            firstRecord.put(p, null);
                        }
                        assignment = partitions(f[4]);
                    }
                    case "REVOKED", "LOST" -> {
                        Set<Integer> gone = partitions(f[2]);
                        Set<Integer> left = new HashSet<>(assignment);
                        left.removeAll(gone);
                        assignment = Set.copyOf(left);
                        firstRecord.keySet().removeAll(gone);
                    }
                    case "FIRST" -> firstRecord.replace(Integer.parseInt(f[2]), Long.parseLong(f[1]));
                    default -> {
                        // not one of ours (e.g. a stray println): kept in lines only
                    }
                }
            } catch (RuntimeException malformed) {
                lines.add("(unparsed: " + malformed + ")");
            }
        }

        synchronized long startMs() {
            return startMs;
        }

        synchronized Set<Integer> assignment() {
            return assignment;
        }

        /** The assignment in order, e.g. "[0, 1]". */
        synchronized String assignmentText() {
            return new java.util.TreeSet<>(assignment).toString();
        }

        synchronized String describe() {
            return name + ": generation " + generation + ", assignment " + assignmentText() + ", first records "
                    + new java.util.TreeMap<>(firstRecord);
        }

        private static Set<Integer> partitions(String list) {
            Set<Integer> out = new HashSet<>();
            if (!list.equals("-")) {
                for (String p : list.split(",")) {
                    out.add(Integer.parseInt(p));
                }
            }
            return Set.copyOf(out);
        }
    }

    /**
     * When a set of members settled after {@code sinceMs}: the last of their assignment callbacks,
     * and the last first record among the watched partitions.
     */
    record Settled(long assignedMs, long consumingMs) {
    }

    private final String bootstrap;
    private final String topic;
    private final String group;
    private final List<String> consumerProperties;
    private final Path logDir;
    private final List<Member> members = new ArrayList<>();

    GroupMembers(String bootstrap, String topic, String group, List<String> consumerProperties, Path logDir) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.group = group;
        this.consumerProperties = List.copyOf(consumerProperties);
        this.logDir = logDir;
    }

    /** Starts a member JVM named {@code name} (its client.id). */
    Member start(String name) throws Exception {
        Member m = new Member(name, logDir.resolve(group + "-" + name + ".log"));
        List<String> args = new ArrayList<>(List.of(bootstrap, topic, group, name));
        args.addAll(consumerProperties);
        List<String> flags = new ArrayList<>(List.of("-Xmx128m"));
        flags.addAll(ChildProcesses.KAFKA_RUN_CLASS_FLAGS);
        m.process = ChildProcesses.startPiped(ChildProcesses.javaCommand(flags, GroupMemberProcess.class.getName(), args),
                m.log, m::onLine);
        members.add(m);
        return m;
    }

    /**
     * Null until {@code group} has settled: every one of them is alive, has the same generation and
     * had an assignment callback after {@code sinceMs}; their assignments split all
     * {@code partitions}; and each has had a record from each partition in {@code watched} that its
     * last assignment added (all of them when {@code watched} is null).
     */
    static Settled settled(List<Member> group, int partitions, long sinceMs, Collection<Integer> watched) {
        Set<Integer> covered = new HashSet<>();
        int generation = Integer.MIN_VALUE;
        long assigned = 0;
        long consuming = 0;
        for (Member m : group) {
            synchronized (m) {
                if (!m.process.isAlive() || m.assignedMs < sinceMs || m.generation < 0) {
                    return null;
                }
                if (generation != Integer.MIN_VALUE && m.generation != generation) {
                    return null;
                }
                generation = m.generation;
                for (int p : m.assignment) {
                    if (!covered.add(p)) {
                        return null;
                    }
                }
                assigned = Math.max(assigned, m.assignedMs);
                for (Map.Entry<Integer, Long> e : m.firstRecord.entrySet()) {
                    if (watched != null && !watched.contains(e.getKey())) {
                        continue;
                    }
                    if (e.getValue() == null) {
                        return null;
                    }
                    consuming = Math.max(consuming, e.getValue());
                }
            }
        }
        if (covered.size() != partitions) {
            return null;
        }
        return new Settled(assigned, Math.max(assigned, consuming));
    }

    /** Waits until {@link #settled} answers, the timeout passes (null) or a member dies (throws). */
    static Settled await(List<Member> group, int partitions, long sinceMs, Collection<Integer> watched,
                         Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Settled s = settled(group, partitions, sinceMs, watched);
            if (s != null) {
                return s;
            }
            for (Member m : group) {
                if (!m.process.isAlive()) {
                    throw new IllegalStateException("member " + m.name + " exited (code " + m.process.exitValue()
                            + "); its log " + m.log + ":\n" + ChildProcesses.tail(m.log, 15));
                }
            }
            Thread.sleep(10);
        }
        return null;
    }

    /** What every member last reported, for failure messages. */
    String describe() {
        StringBuilder sb = new StringBuilder();
        for (Member m : members) {
            sb.append("    ").append(m.describe()).append(m.process.isAlive() ? "" : " (exited)").append('\n');
        }
        return sb.toString();
    }

    /**
     * Stops the members still running (SIGTERM: they close and leave the group), then writes each
     * member's stdout lines to {@code <group>-<name>.events} next to its log.
     */
    void stopAll() {
        ChildProcesses.killAll(members.stream().map(m -> m.process).filter(Process::isAlive).toList(),
                Duration.ofSeconds(15));
        for (Member m : members) {
            synchronized (m) {
                try {
                    java.nio.file.Files.write(logDir.resolve(group + "-" + m.name + ".events"), m.lines);
                } catch (java.io.IOException ignored) {
                    // only for reading afterwards
                }
            }
        }
    }
}
