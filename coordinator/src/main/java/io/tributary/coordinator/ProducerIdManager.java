package io.tributary.coordinator;

import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * Hands out producer ids for idempotent producers. Ids are reserved from the metadata log in blocks, so
 * ids are unique across the cluster and never reused after a restart, at one Raft write per block.
 */
public final class ProducerIdManager {
    static final int BLOCK_SIZE = 1000;

    private final IntFunction<CompletableFuture<Long>> reserveBlock;
    private long next;
    private long end;
    private CompletableFuture<Void> refill;

    /** @param reserveBlock reserves {@code n} ids and completes with the first */
    public ProducerIdManager(IntFunction<CompletableFuture<Long>> reserveBlock) {
        this.reserveBlock = reserveBlock;
    }

    /** The next unused producer id. */
    public synchronized CompletableFuture<Long> nextId() {
        if (next < end) {
            return CompletableFuture.completedFuture(next++);
        }
        if (refill == null) {
            CompletableFuture<Void> f = reserveBlock.apply(BLOCK_SIZE).thenAccept(this::installBlock);
            refill = f;
            f.whenComplete((v, e) -> {
                if (e != null) {
                    clearFailedRefill(f);
                }
            });
        }
        CompletableFuture<Void> waiting = refill;
        return waiting.thenCompose(v -> nextId());
    }

    private synchronized void clearFailedRefill(CompletableFuture<Void> failed) {
        if (refill == failed) {
            refill = null;
        }
    }

    private synchronized void installBlock(long first) {
        next = first;
        end = first + BLOCK_SIZE;
        refill = null;
    }
}
