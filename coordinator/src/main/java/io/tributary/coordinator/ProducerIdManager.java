package io.tributary.coordinator;

import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import org.apache.kafka.common.errors.CoordinatorLoadInProgressException;

/**
 * Hands out producer ids for idempotent and transactional producers. Ids are reserved from the metadata log in blocks, so
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
            return CompletableFuture.completedFuture(take());
        }
        CompletableFuture<Void> waiting = startRefill();
        return waiting.thenCompose(v -> nextId());
    }

    /**
     * The next unused producer id without waiting, for callers that must not (the transaction coordinator's
     * shard thread): while no id is at hand it starts reserving a block and throws
     * COORDINATOR_LOAD_IN_PROGRESS, which clients retry, as Kafka's coordinator does.
     */
    public synchronized long nextIdNow() {
        if (next < end) {
            return take();
        }
        startRefill();
        throw new CoordinatorLoadInProgressException("reserving a block of producer ids through the metadata log");
    }

    /** Takes an id; the next block is reserved once nine tenths of this one are gone, so callers rarely wait. */
    private long take() {
        long id = next++;
        if (end - next <= BLOCK_SIZE / 10) {
            startRefill();
        }
        return id;
    }

    private CompletableFuture<Void> startRefill() {
        if (refill != null) {
            return refill;
        }
        CompletableFuture<Void> f = reserveBlock.apply(BLOCK_SIZE).thenAccept(this::installBlock);
        if (!f.isDone()) {
            refill = f;
            f.whenComplete((v, e) -> {
                if (e != null) {
                    clearFailedRefill(f);
                }
            });
        }
        return f;
    }

    private synchronized void clearFailedRefill(CompletableFuture<Void> failed) {
        if (refill == failed) {
            refill = null;
        }
    }

    /** A new block replaces what is left of the current one: at most a tenth of a block goes unused. */
    private synchronized void installBlock(long first) {
        next = first;
        end = first + BLOCK_SIZE;
        refill = null;
    }
}
