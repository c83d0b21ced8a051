package io.tributary.wire.handlers;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.replication.partition.AppendWatchers;
import io.tributary.replication.replica.PartitionKey;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The long-poll wait of a fetch, against a partition that is a counter: appends from other threads (as
 * the replica groups' apply threads make them) must wake it, never be missed, and never answer twice.
 */
class FetchWaiterTest {
    private static final PartitionKey KEY = new PartitionKey(Uuid.randomUuid(), 0);

    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
    private final AppendWatchers watchers = new AppendWatchers();
    private final AtomicInteger records = new AtomicInteger();
    private final AtomicInteger reads = new AtomicInteger();

    @AfterEach
    void stop() {
        loop.shutdownNow();
    }

    private void append() {
        records.incrementAndGet();
        watchers.appended(KEY);
    }

    /** Starts a wait on the loop, as the fetch handler does, for {@code wanted} records. */
    private CompletableFuture<Integer> await(int wanted, long maxWaitMs) throws Exception {
        return loop.submit(() -> FetchWaiter.await(loop, maxWaitMs, onAppend -> watchers.watch(List.of(KEY), onAppend),
                () -> {
                    reads.incrementAndGet();
                    return records.get();
                }, n -> n >= wanted)).get();
    }

    @Test
    void anAppendBeforeTheWaitBeganIsNotMissed() throws Exception {
        // The handler's own read found nothing; the append lands before the waiter registers interest.
        append();
        append();
        assertThat(await(2, 30_000).get(5, TimeUnit.SECONDS)).isEqualTo(2);
    }

    @Test
    void everyAppendWakesItUntilThereIsEnough() throws Exception {
        CompletableFuture<Integer> result = await(3, 30_000);
        append();
        append();
        Thread.sleep(50);
        assertThat(result).isNotDone();
        append();
        assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo(3);

        int readsWhenDone = reads.get();
        append();
        loop.submit(() -> { }).get();
        assertThat(reads.get()).as("no read after the answer").isEqualTo(readsWhenDone);
    }

    @Test
    void answersWithTheLastReadWhenTimeIsUp() throws Exception {
        long start = System.nanoTime();
        CompletableFuture<Integer> result = await(5, 200);
        append();
        assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(200);
    }

    @Test
    void appendsRacingTheReArmAreNeverLost() throws Exception {
        for (int round = 0; round < 300; round++) {
            records.set(0);
            CompletableFuture<Integer> result = await(50, 30_000);
            Thread writer = new Thread(() -> {
                for (int i = 0; i < 50; i++) {
                    append();
                }
            });
            writer.start();
            assertThat(result.get(5, TimeUnit.SECONDS)).as("round %d", round).isEqualTo(50);
            writer.join();
        }
    }
}
