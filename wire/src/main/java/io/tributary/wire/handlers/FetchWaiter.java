package io.tributary.wire.handlers;

import io.tributary.replication.partition.AppendWatchers;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A fetch waiting for data (a long poll): it reads again whenever one of its partitions grows, until a
 * read has enough or {@code max_wait_ms} is over, and then answers with the last read.
 *
 * <p>Everything runs on the connection's event loop; an append (on a replica group's apply thread)
 * only queues a re-read there. Interest is registered before each read, so an append that lands
 * between a read and the wait is never missed, and a watch fires at most once, so each re-read
 * registers the next one.
 */
final class FetchWaiter<T> {
    private final ScheduledExecutorService loop;
    private final Function<Runnable, AppendWatchers.Watch> watch;
    private final Supplier<T> read;
    private final Predicate<T> enough;
    private final CompletableFuture<T> result = new CompletableFuture<>();
    private AppendWatchers.Watch current;
    private ScheduledFuture<?> timer;

    private FetchWaiter(ScheduledExecutorService loop, Function<Runnable, AppendWatchers.Watch> watch, Supplier<T> read,
                        Predicate<T> enough) {
        this.loop = loop;
        this.watch = watch;
        this.read = read;
        this.enough = enough;
    }

    /**
     * Waits, on {@code loop} (the caller's thread), for a read that is {@code enough}, at most
     * {@code maxWaitMs}.
     *
     * @param watch registers a callback for the next append to the fetched partitions
     */
    static <T> CompletableFuture<T> await(ScheduledExecutorService loop, long maxWaitMs,
                                          Function<Runnable, AppendWatchers.Watch> watch, Supplier<T> read,
                                          Predicate<T> enough) {
        FetchWaiter<T> waiter = new FetchWaiter<>(loop, watch, read, enough);
        waiter.timer = loop.schedule(waiter::expire, maxWaitMs, TimeUnit.MILLISECONDS);
        waiter.check();
        return waiter.result;
    }

    private void check() {
        if (result.isDone()) {
            return;
        }
        if (current != null) {
            current.cancel();
        }
        current = watch.apply(() -> loop.execute(this::check));
        T latest = read.get();
        if (enough.test(latest)) {
            finish(latest);
        }
    }

    private void expire() {
        if (!result.isDone()) {
            finish(read.get());
        }
    }

    private void finish(T latest) {
        if (current != null) {
            current.cancel();
        }
        timer.cancel(false);
        result.complete(latest);
    }
}
