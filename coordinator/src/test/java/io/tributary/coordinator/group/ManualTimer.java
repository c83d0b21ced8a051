package io.tributary.coordinator.group;

import io.tributary.coordinator.runtime.CoordinatorRecord;
import io.tributary.coordinator.runtime.ShardTimer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A clock and timer that only move when a test advances them; due tasks run in deadline order, and the
 * records a task produces go to the writer (the test's sink), as the runtime writes them.
 */
final class ManualTimer implements ShardTimer, LongSupplier {
    private static final class Task implements Scheduled {
        final long deadline;
        final long seq;
        final Consumer<List<CoordinatorRecord>> run;
        boolean cancelled;

        Task(long deadline, long seq, Consumer<List<CoordinatorRecord>> run) {
            this.deadline = deadline;
            this.seq = seq;
            this.run = run;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>(
            Comparator.comparingLong((Task t) -> t.deadline).thenComparingLong(t -> t.seq));
    private long now;
    private long seq;
    private Consumer<List<CoordinatorRecord>> writer = records -> { };

    ManualTimer(long start) {
        this.now = start;
    }

    @Override
    public long getAsLong() {
        return now;
    }

    /** Where the records of due tasks go. */
    void writeWith(Consumer<List<CoordinatorRecord>> writer) {
        this.writer = writer;
    }

    @Override
    public Scheduled schedule(long delayMs, Consumer<List<CoordinatorRecord>> task) {
        Task t = new Task(now + delayMs, seq++, task);
        tasks.add(t);
        return t;
    }

    /** Moves time forward, running every task that falls due on the way at its own deadline. */
    void advance(long ms) {
        long target = now + ms;
        while (!tasks.isEmpty() && tasks.peek().deadline <= target) {
            Task t = tasks.poll();
            if (t.cancelled) {
                continue;
            }
            now = Math.max(now, t.deadline);
            List<CoordinatorRecord> records = new ArrayList<>();
            t.run.accept(records);
            writer.accept(records);
        }
        now = target;
    }

    /** Tasks not cancelled and not run yet. */
    long pending() {
        return tasks.stream().filter(t -> !t.cancelled).count();
    }
}
