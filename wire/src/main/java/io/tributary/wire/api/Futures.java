package io.tributary.wire.api;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.kafka.common.protocol.Errors;

/** Small helpers for handlers that answer several items of one request concurrently. */
public final class Futures {
    private Futures() {
    }

    /** Completes with every result, in the order of {@code futures}, once all are done. */
    public static <T> CompletableFuture<List<T>> all(List<CompletableFuture<T>> futures) {
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).thenApply(v -> {
            List<T> results = new ArrayList<>(futures.size());
            futures.forEach(f -> results.add(f.join()));
            return results;
        });
    }

    /** The Kafka error a failed future stands for. */
    public static Errors errorOf(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return Errors.forException(cause);
    }
}
