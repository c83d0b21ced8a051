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
import org.apache.kafka.common.errors.NotCoordinatorException;
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

    /** A key-value shard: the simplest coordinator. */
    static final class KvShard implements CoordinatorShard {
        final Map<String, String> state = new TreeMap<>();
        final RecordSink sink;
        boolean loaded;

        KvShard(RecordSink sink) {
            this.sink = sink;
        }

        CompletableFuture<Void> put(String k, String v) {
            return sink.append(List.of(new CoordinatorRecord(bytes(k), v == null ? null : bytes(v))));
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
        public synchronized Optional<Iterator<CoordinatorRecord>> records(int partition) {
            return Optional.of(List.copyOf(records).iterator());
        }

        @Override
        public synchronized CompletableFuture<Long> append(int partition, List<CoordinatorRecord> appended) {
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
        CoordinatorRuntime<KvShard> rt = new CoordinatorRuntime<>("__test", log, (p, timer, sink) -> new KvShard(sink),
                thread, compactAfter);
        rt.refresh();
        awaitLoaded(rt);
        return rt;
    }

    private static void awaitLoaded(CoordinatorRuntime<KvShard> rt) throws Exception {
        for (int i = 0; i < 100; i++) {
            try {
                rt.call(0, s -> CompletableFuture.completedFuture(s.loaded)).get(5, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                Thread.sleep(20);
            }
        }
    }

    private static Map<String, String> state(CoordinatorRuntime<KvShard> rt) throws Exception {
        return rt.call(0, s -> CompletableFuture.completedFuture(new TreeMap<>(s.state))).get(5, TimeUnit.SECONDS);
    }

    @Test
    void stateChangesOnlyAfterTheWriteAndSurvivesAReload() throws Exception {
        MemoryPartition log = new MemoryPartition();
        CoordinatorRuntime<KvShard> rt = runtime(log, Long.MAX_VALUE);
        rt.call(0, s -> s.put("a", "1")).get(5, TimeUnit.SECONDS);
        rt.call(0, s -> s.put("b", "2")).get(5, TimeUnit.SECONDS);
        rt.call(0, s -> s.put("a", null)).get(5, TimeUnit.SECONDS);
        assertThat(state(rt)).containsExactly(Map.entry("b", "2"));

        CoordinatorRuntime<KvShard> reloaded = runtime(log, Long.MAX_VALUE);
        assertThat(state(reloaded)).containsExactly(Map.entry("b", "2"));
    }

    @Test
    void answersNotCoordinatorOnceLeadershipIsGone() throws Exception {
        CoordinatorRuntime<KvShard> rt = runtime(new MemoryPartition(), Long.MAX_VALUE);
        leader = false;
        rt.refresh();
        assertThatThrownBy(() -> rt.call(0, s -> s.put("a", "1")).get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(NotCoordinatorException.class);
    }

    @Test
    void compactionRewritesLiveRecordsAndDropsTheRest() throws Exception {
        MemoryPartition log = new MemoryPartition();
        CoordinatorRuntime<KvShard> rt = runtime(log, 50);
        for (int i = 0; i < 200; i++) {
            rt.call(0, s -> s.put("key-1", "v")).get(5, TimeUnit.SECONDS);
        }
        for (int i = 0; i < 200; i++) {
            int k = i % 3;
            int v = i;
            rt.call(0, s -> s.put("k" + k, "v" + v)).get(5, TimeUnit.SECONDS);
        }
        assertThat(log.logStartOffset).isPositive();
        assertThat(log.logEndOffset() - log.logStartOffset).isLessThan(60);
        CoordinatorRuntime<KvShard> reloaded = runtime(log, 50);
        assertThat(state(reloaded)).containsEntry("k0", "v198").containsEntry("k1", "v199").containsEntry("k2", "v197")
                .containsEntry("key-1", "v").hasSize(4);
    }
}
