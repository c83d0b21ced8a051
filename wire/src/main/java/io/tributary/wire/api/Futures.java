package io.tributary.wire.api;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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
}
