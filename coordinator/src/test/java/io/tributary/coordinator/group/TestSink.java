package io.tributary.coordinator.group;

import io.tributary.coordinator.runtime.CoordinatorRecord;
import io.tributary.coordinator.runtime.CoordinatorShard;
import io.tributary.coordinator.runtime.RecordSink;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An in-memory partition: appends are "committed" by replaying them into the shard, at once or when the
 * test says so, and can be made to fail.
 */
final class TestSink implements RecordSink {
    private record Append(List<CoordinatorRecord> records, CompletableFuture<Void> future) {
    }

    private CoordinatorShard shard;
    private boolean holding;
    private RuntimeException failNext;
    private final Deque<Append> held = new ArrayDeque<>();
    /** Every committed record, in log order. */
    final List<CoordinatorRecord> log = new ArrayList<>();
    int appends;

    void attach(CoordinatorShard shard) {
        this.shard = shard;
    }

    /** From now on appends wait for {@link #commitHeld} or {@link #failHeld}. */
    void hold() {
        holding = true;
    }

    void release() {
        holding = false;
        commitHeld();
    }

    /** The next append fails with this exception without being written. */
    void failNext(RuntimeException e) {
        failNext = e;
    }

    int heldCount() {
        return held.size();
    }

    @Override
    public CompletableFuture<Void> append(List<CoordinatorRecord> records) {
        appends++;
        if (failNext != null) {
            RuntimeException e = failNext;
            failNext = null;
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Void> future = new CompletableFuture<>();
        Append a = new Append(List.copyOf(records), future);
        if (holding) {
            held.add(a);
        } else {
            commit(a);
        }
        return future;
    }

    /** Commits and replays every held append, in order, completing their futures. */
    void commitHeld() {
        while (!held.isEmpty()) {
            commit(held.poll());
        }
    }

    /** Fails every held append without writing it. */
    void failHeld(RuntimeException e) {
        while (!held.isEmpty()) {
            held.poll().future().completeExceptionally(e);
        }
    }

    private void commit(Append a) {
        for (CoordinatorRecord r : a.records()) {
            shard.replay(r);
            log.add(r);
        }
        a.future().complete(null);
    }
}
