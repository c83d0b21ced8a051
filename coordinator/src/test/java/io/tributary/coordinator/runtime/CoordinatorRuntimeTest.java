package io.tributary.coordinator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The runtime over an in-memory partition (no Raft): load, write-then-replay, unload, compaction. */
class CoordinatorRuntimeTest {
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
    private boolean leader = true;

    @AfterEach
    void stop() {
        thread.shutdownNow();
    }

    /** A key-value shard: the simplest coordinator. A put answers with the value the key had replayed. */
    static final class KvShard implements CoordinatorShard {
        final Map<String, String> state = new TreeMap<>();
        final ShardTimer timer;
        final List<Errors> failures = new ArrayList<>();
        boolean loaded;

        KvShard(ShardTimer timer) {
            this.timer = timer;
        }

        CoordinatorResult<Supplier<String>> put(String k, String v) {
            return new CoordinatorResult<>(List.of(new CoordinatorRecord(bytes(k), v == null ? null : bytes(v))),
                    () -> state.get(k), error -> () -> "failed: " + error);
        }

        @Override
        public List<CoordinatorRecord> writeFailed(List<CoordinatorRecord> records, Errors error) {
            failures.add(error);
            return List.of();
        }

        @Override
        public void replay(CoordinatorRecord r) {
            String k = StandardCharsets.UTF_8.decode(r.key().duplicate()).toString();
            if (r.isTombstone()) {
                state.remove(k);
            } else {
                state.put(k, StandardCharsets.UTF_8.decode(r.value().duplicate()).toString());
            }
        }

        @Override
        public List<CoordinatorRecord> liveRecords() {
            List<CoordinatorRecord> out = new ArrayList<>();
            state.forEach((k, v) -> out.add(new CoordinatorRecord(bytes(k), bytes(v))));
            return out;
        }

        @Override
        public void onLoaded() {
            loaded = true;
        }

        @Override
        public void onUnloaded() {
        }
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    /** One partition: records at offsets from its log start on, appended at the end as the replica group would. */
    private final class MemoryPartition implements InternalTopic {
        final List<CoordinatorRecord> records = new ArrayList<>();
        long logStartOffset;
        /** When set, appends fail with it. */
        volatile RuntimeException failing;

        long logEndOffset() {
            return logStartOffset + records.size();
        }

        @Override
        public int partitionCount() {
            return 1;
        }

        @Override
        public boolean isLeader(int partition) {
            return leader;
        }

        @Override
        public int leaderEpoch(int partition) {
            return leader ? 0 : -1;
        }

        @Override
        public synchronized Optional<Iterator<LogEntry>> records(int partition) {
            return Optional.of(records.stream().<LogEntry>map(r -> new LogEntry.Written(r, -1)).toList().iterator());
        }

        @Override
        public CompletableFuture<Void> writeMarker(int partition, long producerId, short producerEpoch, int coordinatorEpoch,
                                                   boolean commit) {
            throw new UnsupportedOperationException("no transactions here");
        }

        @Override
        public long lastMarkerOffset(int partition, long producerId) {
            return -1;
        }

        @Override
        public synchronized CompletableFuture<Long> append(int partition, List<CoordinatorRecord> appended,
                                                           TransactionalWrite txn) {
            if (failing != null) {
                return CompletableFuture.failedFuture(failing);
            }
            long base = logEndOffset();
            records.addAll(appended);
            return CompletableFuture.completedFuture(base);
        }

        @Override
        public synchronized CompletableFuture<Void> deleteBefore(int partition, long offset) {
            records.subList(0, (int) (offset - logStartOffset)).clear();
            logStartOffset = offset;
            return CompletableFuture.completedFuture(null);
        }
    }

    private CoordinatorRuntime<KvShard> runtime(MemoryPartition log, long compactAfter) throws Exception {
        CoordinatorRuntime<KvShard> rt = new CoordinatorRuntime<>("__test", log, (p, timer) -> new KvShard(timer),
                thread, compactAfter);
        rt.refresh();
        awaitLoaded(rt);
        return rt;
    }

    private static void awaitLoaded(CoordinatorRuntime<KvShard> rt) throws Exception {
        for (int i = 0; i < 100; i++) {
            try {
                rt.read(0, s -> s.loaded).get(5, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                Thread.sleep(20);
            }
        }
    }

    private static Map<String, String> state(CoordinatorRuntime<KvShard> rt) throws Exception {
        return rt.read(0, s -> new TreeMap<>(s.state)).get(5, TimeUnit.SECONDS);
    }

    @Test
    void stateChangesOnlyAfterTheWriteAndSurvivesAReload() throws Exception {
        MemoryPartition log = new MemoryPartition();
        CoordinatorRuntime<KvShard> rt = runtime(log, Long.MAX_VALUE);
        assertThat(rt.write(0, s -> s.put("a", "1")).get(5, TimeUnit.SECONDS).get()).as("replayed before the answer").isEqualTo("1");
        rt.write(0, s -> s.put("b", "2")).get(5, TimeUnit.SECONDS);
        rt.write(0, s -> s.put("a", null)).get(5, TimeUnit.SECONDS);
        assertThat(state(rt)).containsExactly(Map.entry("b", "2"));

        CoordinatorRuntime<KvShard> reloaded = runtime(log, Long.MAX_VALUE);
        assertThat(state(reloaded)).containsExactly(Map.entry("b", "2"));
    }

    @Test
    void answersNotCoordinatorOnceLeadershipIsGone() throws Exception {
        CoordinatorRuntime<KvShard> rt = runtime(new MemoryPartition(), Long.MAX_VALUE);
        leader = false;
        rt.refresh();
        assertThatThrownBy(() -> rt.write(0, s -> s.put("a", "1")).get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(NotCoordinatorException.class);
    }

    @Test
    void compactionRewritesLiveRecordsAndDropsTheRest() throws Exception {
        MemoryPartition log = new MemoryPartition();
        CoordinatorRuntime<KvShard> rt = runtime(log, 50);
        for (int i = 0; i < 200; i++) {
            rt.write(0, s -> s.put("key-1", "v")).get(5, TimeUnit.SECONDS);
        }
        for (int i = 0; i < 200; i++) {
            int k = i % 3;
            int v = i;
            rt.write(0, s -> s.put("k" + k, "v" + v)).get(5, TimeUnit.SECONDS);
        }
        assertThat(log.logStartOffset).isPositive();
        assertThat(log.logEndOffset() - log.logStartOffset).isLessThan(60);
        CoordinatorRuntime<KvShard> reloaded = runtime(log, 50);
        assertThat(state(reloaded)).containsEntry("k0", "v198").containsEntry("k1", "v199").containsEntry("k2", "v197")
                .containsEntry("key-1", "v").hasSize(4);
    }

    @Test
    void aFailedWriteComesBackToTheShardAndAnswersWithTheFailuresResponse() throws Exception {
        MemoryPartition log = new MemoryPartition();
        CoordinatorRuntime<KvShard> rt = runtime(log, Long.MAX_VALUE);
        log.failing = new NotLeaderOrFollowerException("moved");
        assertThat(rt.write(0, s -> s.put("a", "1")).get(5, TimeUnit.SECONDS).get()).isEqualTo("failed: NOT_COORDINATOR");
        assertThat(rt.read(0, s -> List.copyOf(s.failures)).get(5, TimeUnit.SECONDS)).containsExactly(Errors.NOT_COORDINATOR);
        assertThat(state(rt)).isEmpty();
    }

    @Test
    void aTimersRecordsAreWrittenAndReplayed() throws Exception {
        MemoryPartition log = new MemoryPartition();
        CoordinatorRuntime<KvShard> rt = runtime(log, Long.MAX_VALUE);
        rt.read(0, s -> s.timer.schedule(10, records -> records.add(new CoordinatorRecord(bytes("t"), bytes("x")))))
                .get(5, TimeUnit.SECONDS);
        for (int i = 0; i < 100 && !state(rt).containsKey("t"); i++) {
            Thread.sleep(20);
        }
        assertThat(state(rt)).containsEntry("t", "x");
        assertThat(log.records).hasSize(1);
    }
}
