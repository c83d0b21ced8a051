package io.tributary.coordinator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.storage.BatchHeader;
import io.tributary.storage.LogConfig;
import io.tributary.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
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
import org.junit.jupiter.api.io.TempDir;

/** The runtime over real partition logs (no Raft): load, write-then-replay, unload, compaction. */
class CoordinatorRuntimeTest {
    @TempDir
    Path dir;

    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
    private final List<PartitionLog> logs = new ArrayList<>();
    private boolean leader = true;

    @AfterEach
    void stop() throws Exception {
        thread.shutdownNow();
        for (PartitionLog log : logs) {
            log.close();
        }
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

    /** One partition log; appends assign offsets at the end, as the replica group would. */
    private TopicPartitionLogs logs(PartitionLog log) {
        return new TopicPartitionLogs() {
            @Override
            public int partitionCount() {
                return 1;
            }

            @Override
            public boolean isLeader(int partition) {
                return leader;
            }

            @Override
            public Optional<PartitionLog> log(int partition) {
                return Optional.of(log);
            }

            @Override
            public synchronized CompletableFuture<Long> append(int partition, ByteBuffer batch) {
                try {
                    long base = log.logEndOffset();
                    BatchHeader.setBaseOffset(batch, batch.position(), base);
                    log.append(batch);
                    return CompletableFuture.completedFuture(base);
                } catch (Exception e) {
                    return CompletableFuture.failedFuture(e);
                }
            }

            @Override
            public CompletableFuture<Void> deleteBefore(int partition, long offset) {
                try {
                    log.advanceLogStartOffset(offset);
                    return CompletableFuture.completedFuture(null);
                } catch (Exception e) {
                    return CompletableFuture.failedFuture(e);
                }
            }
        };
    }

    private PartitionLog openLog() throws Exception {
        PartitionLog log = PartitionLog.open(dir.resolve("p0"), new LogConfig(4096, Long.MAX_VALUE, -1, -1, 4096, 1 << 16));
        logs.add(log);
        return log;
    }

    private CoordinatorRuntime<KvShard> runtime(PartitionLog log, long compactAfter) throws Exception {
        CoordinatorRuntime<KvShard> rt = new CoordinatorRuntime<>("__test", logs(log), (p, timer, sink) -> new KvShard(sink),
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
        PartitionLog log = openLog();
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
        CoordinatorRuntime<KvShard> rt = runtime(openLog(), Long.MAX_VALUE);
        leader = false;
        rt.refresh();
        assertThatThrownBy(() -> rt.call(0, s -> s.put("a", "1")).get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(NotCoordinatorException.class);
    }

    @Test
    void compactionRewritesLiveRecordsAndDropsTheRest() throws Exception {
        PartitionLog log = openLog();
        CoordinatorRuntime<KvShard> rt = runtime(log, 50);
        for (int i = 0; i < 200; i++) {
            rt.call(0, s -> s.put("key-1", "v")).get(5, TimeUnit.SECONDS);
        }
        for (int i = 0; i < 200; i++) {
            int k = i % 3;
            int v = i;
            rt.call(0, s -> s.put("k" + k, "v" + v)).get(5, TimeUnit.SECONDS);
        }
        assertThat(log.logStartOffset()).isPositive();
        assertThat(log.logEndOffset() - log.logStartOffset()).isLessThan(60);
        CoordinatorRuntime<KvShard> reloaded = runtime(log, 50);
        assertThat(state(reloaded)).containsEntry("k0", "v198").containsEntry("k1", "v199").containsEntry("k2", "v197")
                .containsEntry("key-1", "v").hasSize(4);
    }
}
