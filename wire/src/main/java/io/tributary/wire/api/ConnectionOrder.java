package io.tributary.wire.api;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Keeps steps of one connection's requests in the order the requests arrived, while the requests
 * themselves run concurrently. Kafka handles a connection's requests one at a time, and producers rely
 * on it: a producer pipelines up to five Produce requests to a partition, and their batches must reach
 * the log in that order even when one of them first waits for something (its transaction coordinator's
 * confirmation) and a later one does not.
 */
public final class ConnectionOrder {
    private CompletableFuture<Void> lastStarted = CompletableFuture.completedFuture(null);

    /**
     * Runs {@code step} with {@code ready}'s value once {@code ready} is done and every step queued here
     * before this one has started; a failed {@code ready} skips the step and fails the result. The step
     * runs on the thread that completes the last of the two, at once when both already are.
     */
    public <T, R> CompletableFuture<R> start(CompletableFuture<T> ready, Function<T, CompletableFuture<R>> step) {
        CompletableFuture<Void> previous;
        CompletableFuture<Void> started;
        synchronized (this) {
            if (lastStarted.isDone() && ready.isDone() && !ready.isCompletedExceptionally()) {
                // Nothing to wait for (every request that confirms nothing): run it now, under the lock, so that
                // a later step cannot start before it.
                return run(step, ready.join());
            }
            previous = lastStarted;
            started = new CompletableFuture<>();
            lastStarted = started;
        }
        return ready.thenCombine(previous, (value, ignored) -> value).handle((value, failure) -> {
            try {
                return failure == null ? run(step, value) : CompletableFuture.<R>failedFuture(failure);
            } finally {
                started.complete(null);
            }
        }).thenCompose(result -> result);
    }

    private static <T, R> CompletableFuture<R> run(Function<T, CompletableFuture<R>> step, T value) {
        try {
            return step.apply(value);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
