package io.tributary.coordinator.group;

import io.tributary.coordinator.runtime.CoordinatorRecord;
import io.tributary.coordinator.runtime.CoordinatorResult;
import io.tributary.coordinator.runtime.CoordinatorRuntime;
import io.tributary.coordinator.runtime.CoordinatorShard;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * An in-memory partition doing what the runtime does with a shard's results: their records are
 * "committed" by replaying them into the shard (at once, or when the test says so) before the response
 * goes out, and can be made to fail, which the shard hears of through {@link CoordinatorShard#writeFailed}.
 */
final class TestSink {
    /** Records waiting to be committed, and what to do once they are or once they failed. */
    private record Append(List<CoordinatorRecord> records, Runnable committed, Consumer<RuntimeException> failed) {
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

    /** Writes a result's records as the runtime would; completes with the response (or the failure's response). */
    <T> CompletableFuture<T> run(CoordinatorResult<T> result) {
        if (result.records().isEmpty()) {
            return CompletableFuture.completedFuture(result.response());
        }
        CompletableFuture<T> response = new CompletableFuture<>();
        write(result.records(), () -> response.complete(result.response()), e -> {
            try {
                response.complete(result.onFailure().apply(CoordinatorRuntime.writeError(e)));
            } catch (RuntimeException failure) {
                response.completeExceptionally(failure);
            }
        });
        return response;
    }

    /** Writes what a timer task produced. */
    void writeTimerRecords(List<CoordinatorRecord> records) {
        if (!records.isEmpty()) {
            write(records, () -> { }, e -> { });
        }
    }

    /** From now on writes wait for {@link #commitHeld} or {@link #failHeld}. */
    void hold() {
        holding = true;
    }

    void release() {
        holding = false;
        commitHeld();
    }

    /** The next write fails with this exception without being written. */
    void failNext(RuntimeException e) {
        failNext = e;
    }

    int heldCount() {
        return held.size();
    }

    private void write(List<CoordinatorRecord> records, Runnable committed, Consumer<RuntimeException> failed) {
        appends++;
        Append a = new Append(List.copyOf(records), committed, failed);
        if (failNext != null) {
            RuntimeException e = failNext;
            failNext = null;
            fail(a, e);
        } else if (holding) {
            held.add(a);
        } else {
            commit(a);
        }
    }

    /** Commits and replays every held write, in order, and answers it. */
    void commitHeld() {
        while (!held.isEmpty()) {
            commit(held.poll());
        }
    }

    /** Fails every held write without writing it. */
    void failHeld(RuntimeException e) {
        while (!held.isEmpty()) {
            fail(held.poll(), e);
        }
    }

    private void commit(Append a) {
        for (CoordinatorRecord r : a.records()) {
            shard.replay(r);
            log.add(r);
        }
        a.committed().run();
    }

    private void fail(Append a, RuntimeException e) {
        List<CoordinatorRecord> instead = shard.writeFailed(a.records(), CoordinatorRuntime.writeError(e));
        a.failed().accept(e);
        writeTimerRecords(instead);
    }
}
