package io.tributary.coordinator.runtime;

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
public final class TestSink {
    /** Records waiting to be committed, and what to do once they are or once they failed. */
    private record Append(List<CoordinatorRecord> records, long producerId, Runnable committed,
                          Consumer<RuntimeException> failed) {
    }

    private CoordinatorShard shard;
    private boolean holding;
    private RuntimeException failNext;
    private final Deque<Append> held = new ArrayDeque<>();
    /** Every committed record outside transactions, in log order. */
    public final List<CoordinatorRecord> log = new ArrayList<>();
    public int appends;

    public void attach(CoordinatorShard shard) {
        this.shard = shard;
    }

    /** Writes a result's records as the runtime would; completes with the response (or the failure's response). */
    public <T> CompletableFuture<T> run(CoordinatorResult<T> result) {
        return run(result, -1);
    }

    /** As {@link #run(CoordinatorResult)}, the records written in the producer's transaction (-1: none). */
    public <T> CompletableFuture<T> run(CoordinatorResult<T> result, long producerId) {
        if (result.records().isEmpty()) {
            return CompletableFuture.completedFuture(result.response());
        }
        CompletableFuture<T> response = new CompletableFuture<>();
        write(result.records(), producerId, () -> response.complete(result.response()), e -> {
            try {
                response.complete(result.onFailure().apply(CoordinatorRuntime.writeError(e)));
            } catch (RuntimeException failure) {
                response.completeExceptionally(failure);
            }
        });
        return response;
    }

    /** Writes what a timer task produced. */
    public void writeTimerRecords(List<CoordinatorRecord> records) {
        if (!records.isEmpty()) {
            write(records, -1, () -> { }, e -> { });
        }
    }

    /** From now on writes wait for {@link #commitHeld} or {@link #failHeld}. */
    public void hold() {
        holding = true;
    }

    public void release() {
        holding = false;
        commitHeld();
    }

    /** The next write fails with this exception without being written. */
    public void failNext(RuntimeException e) {
        failNext = e;
    }

    public int heldCount() {
        return held.size();
    }

    private void write(List<CoordinatorRecord> records, long producerId, Runnable committed,
                       Consumer<RuntimeException> failed) {
        appends++;
        Append a = new Append(List.copyOf(records), producerId, committed, failed);
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
    public void commitHeld() {
        while (!held.isEmpty()) {
            commit(held.poll());
        }
    }

    /** Fails every held write without writing it. */
    public void failHeld(RuntimeException e) {
        while (!held.isEmpty()) {
            fail(held.poll(), e);
        }
    }

    private void commit(Append a) {
        for (CoordinatorRecord r : a.records()) {
            if (a.producerId() < 0) {
                shard.replay(r);
                log.add(r);
            } else {
                shard.replayTransactional(a.producerId(), r);
            }
        }
        a.committed().run();
    }

    private void fail(Append a, RuntimeException e) {
        List<CoordinatorRecord> instead = shard.writeFailed(a.records(), CoordinatorRuntime.writeError(e));
        a.failed().accept(e);
        writeTimerRecords(instead);
    }
}
