package io.tributary.replication.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.replication.codec.ByteWriter;
import io.tributary.storage.LogConfig;
import io.tributary.storage.PartitionLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * A replica group is a pure fold over its Raft log: any sequence of entries, with a snapshot taken at
 * any point, more entries applied, a crash, a restore from the snapshot and the entries after it
 * replayed, ends in the same state as applying every entry once, and answers the replayed entries as it
 * did the first time. A replica rebuilt from another's snapshot and records ends in that one's state too.
 */
class ReplicaGroupFoldTest {
    private static final Uuid TOPIC = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");
    private static final int KEYS = 3;
    private static final long EXPIRATION_MS = 120_000;
    /** Small segments and index intervals, so that rolls, index entries and deletions happen. */
    private static final LogConfig LOG = new LogConfig(600, Long.MAX_VALUE, -1, -1, 100, 1 << 12);

    /** One entry to build: the Raft term it is applied at and the command. */
    record Step(long term, ReplicaGroupCommand command) {
    }

    /** Entries, where the snapshot is taken (after {@code snapshotAt} entries) and where the crash is. */
    record Scenario(List<Step> steps, int snapshotAt, int crashAt) {
    }

    @Property(tries = 60)
    void restoringFromAnySnapshotAndReplayingEndsInTheSameState(@ForAll("scenarios") Scenario s) throws Exception {
        Path root = Files.createTempDirectory("fold");
        List<ReplicaGroup> opened = new ArrayList<>();
        try {
            ReplicaGroup once = group(root.resolve("once"), opened);
            List<ByteBuffer> replies = new ArrayList<>();
            for (Step step : s.steps()) {
                replies.add(once.apply(step.term(), ReplicaGroupCommand.encode(step.command())));
            }

            Path dir = root.resolve("restored");
            ReplicaGroup crashed = group(dir, opened);
            for (int i = 0; i < s.crashAt(); i++) {
                crashed.apply(s.steps().get(i).term(), ReplicaGroupCommand.encode(s.steps().get(i).command()));
                if (i + 1 == s.snapshotAt()) {
                    Files.write(root.resolve("snapshot"), bytes(crashed.snapshot()));
                    crashed.snapshotStored();
                }
            }
            if (s.snapshotAt() == 0) {
                Files.write(root.resolve("snapshot"), bytes(group(root.resolve("empty"), opened).snapshot()));
            }
            crashed.closeAll();

            ReplicaGroup restored = group(dir, opened);
            restored.loadSnapshot(root.resolve("snapshot"));
            for (int i = s.snapshotAt(); i < s.steps().size(); i++) {
                ByteBuffer reply = restored.apply(s.steps().get(i).term(), ReplicaGroupCommand.encode(s.steps().get(i).command()));
                ReplicaGroupCommand command = s.steps().get(i).command();
                assertThat(answers(command, reply)).as("reply to entry %d", i).isEqualTo(answers(command, replies.get(i)));
            }
            assertThat(state(restored)).isEqualTo(state(once));
        } finally {
            for (ReplicaGroup group : opened) {
                group.closeAll();
            }
            deleteTree(root);
        }
    }

    /**
     * A replica that applied any prefix of the entries (none: it lost its disk) and is rebuilt from the
     * leader's snapshot at any later point, copying records from the leader as it is at the end, then
     * applies the entries after that snapshot: it ends in the leader's state. Should the leader no longer
     * have what its snapshot describes (the partition was removed since), the rebuild fails and is done
     * again from the leader's latest snapshot, as Ratis asks again.
     */
    @Property(tries = 60)
    void aReplicaRebuiltFromTheLeadersStateEndsInTheLeadersState(@ForAll("scenarios") Scenario s) throws Exception {
        Path root = Files.createTempDirectory("rebuild");
        List<ReplicaGroup> opened = new ArrayList<>();
        try {
            int followerApplied = s.snapshotAt();
            int leaderSnapshotAt = s.crashAt();
            ReplicaGroup leader = group(root.resolve("leader"), opened);
            byte[] leaderSnapshot = null;
            for (int i = 0; i < s.steps().size(); i++) {
                if (i == leaderSnapshotAt) {
                    leaderSnapshot = bytes(leader.snapshot());
                }
                leader.apply(s.steps().get(i).term(), ReplicaGroupCommand.encode(s.steps().get(i).command()));
            }
            if (leaderSnapshot == null) {
                leaderSnapshot = bytes(leader.snapshot());
            }
            ReplicaGroup follower = group(root.resolve("follower"), opened);
            for (int i = 0; i < followerApplied; i++) {
                follower.apply(s.steps().get(i).term(), ReplicaGroupCommand.encode(s.steps().get(i).command()));
            }
            UnaryOperator<ByteBuffer> fromLeader = query -> {
                try {
                    return leader.read(query);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
            int replayFrom = leaderSnapshotAt;
            try {
                follower.rebuildFrom(ByteBuffer.wrap(leaderSnapshot), fromLeader);
            } catch (IOException e) {
                leaderSnapshot = bytes(leader.snapshot());
                replayFrom = s.steps().size();
                follower.rebuildFrom(ByteBuffer.wrap(leaderSnapshot), fromLeader);
            }
            Files.write(root.resolve("snapshot"), leaderSnapshot);
            follower.loadSnapshot(root.resolve("snapshot"));
            for (int i = replayFrom; i < s.steps().size(); i++) {
                follower.apply(s.steps().get(i).term(), ReplicaGroupCommand.encode(s.steps().get(i).command()));
            }
            assertThat(state(follower)).isEqualTo(state(leader));
        } finally {
            for (ReplicaGroup group : opened) {
                group.closeAll();
            }
            deleteTree(root);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static ReplicaGroup group(Path dir, List<ReplicaGroup> opened) throws IOException {
        Files.createDirectories(dir);
        ReplicaGroup group = new ReplicaGroup("g", dir, overrides -> LOG, EXPIRATION_MS, key -> { });
        opened.add(group);
        return group;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /**
     * What a reply says to the proposer. Not the log start offset: a deletion after the snapshot has already
     * removed the records below it from disk, so a replica that restores the snapshot starts those logs at
     * the snapshot's end until the replayed deletion moves them on again; the end state is the same, and
     * nobody waits for a replayed entry's reply.
     */
    private static List<String> answers(ReplicaGroupCommand command, ByteBuffer reply) {
        boolean deletion = command instanceof ReplicaGroupCommand.DeleteRecords;
        return PartitionResult.decodeAll(reply).stream()
                .map(r -> deletion ? r.error().name() : r.error() + " " + r.offset() + " " + r.logAppendTime()).toList();
    }

    /**
     * Everything a partition is: its readable records, offsets, leader epochs, producer state, the aborted
     * transactions a reader from the log start is told of (a rebuilt replica that starts at the log start
     * has no entries for markers below it) and last stable offset.
     */
    private static Map<PartitionKey, String> state(ReplicaGroup group) throws Exception {
        Map<PartitionKey, String> out = new TreeMap<>(Comparator.comparing(PartitionKey::partition));
        for (PartitionReplica replica : group.partitions()) {
            PartitionLog log = replica.log();
            ByteBuffer records = readAll(log);
            ByteWriter epochs = new ByteWriter(64);
            replica.epochs().encode(epochs);
            ByteWriter producers = new ByteWriter(64);
            replica.producers().encode(producers);
            out.put(replica.key(), log.logStartOffset() + ".." + log.logEndOffset() + " " + ByteBuffer.wrap(bytes(records)).hashCode()
                    + " epochs " + ByteBuffer.wrap(epochs.toArray()).hashCode() + " producers " + ByteBuffer.wrap(producers.toArray()).hashCode()
                    + " (" + replica.producers().size() + ") aborted " + log.abortedTxns(log.logStartOffset(), Long.MAX_VALUE)
                    + " stable " + replica.lastStableOffset());
        }
        return out;
    }

    /** Every readable batch, segment after segment (one read stops at the end of a segment). */
    private static ByteBuffer readAll(PartitionLog log) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            ByteBuffer slice = log.read(next, Integer.MAX_VALUE, log.logEndOffset(), true).read();
            for (RecordBatch batch : MemoryRecords.readableRecords(slice).batches()) {
                ByteBuffer bytes = ByteBuffer.allocate(batch.sizeInBytes());
                batch.writeTo(bytes);
                out.write(bytes.array());
                next = batch.lastOffset() + 1;
            }
        }
        return ByteBuffer.wrap(out.toByteArray());
    }

    // ---- generators ----

    @Provide
    Arbitrary<Scenario> scenarios() {
        return step().list().ofMinSize(1).ofMaxSize(40).flatMap(raw -> {
            List<Step> steps = withTimeAndTerms(raw);
            return Arbitraries.integers().between(0, steps.size()).flatMap(snapshotAt ->
                    Arbitraries.integers().between(snapshotAt, steps.size())
                            .map(crashAt -> new Scenario(steps, snapshotAt, crashAt)));
        });
    }

    /** A command without its time, which the scenario assigns in order. */
    private interface Draft {
        ReplicaGroupCommand build(long timestampMs);
    }

    private record RawStep(Draft draft, long elapsedMs, boolean newTerm) {
    }

    private static List<Step> withTimeAndTerms(List<RawStep> raw) {
        List<Step> steps = new ArrayList<>();
        long now = 1_700_000_000_000L;
        long term = 1;
        boolean added = false;
        for (RawStep r : raw) {
            if (!added) {
                steps.add(new Step(term, addAll()));
                added = true;
            }
            now += r.elapsedMs();
            term += r.newTerm() ? 1 : 0;
            steps.add(new Step(term, r.draft().build(now)));
        }
        return steps;
    }

    private static ReplicaGroupCommand addAll() {
        List<ReplicaGroupCommand.NewPartition> all = new ArrayList<>();
        for (int k = 0; k < KEYS; k++) {
            all.add(new ReplicaGroupCommand.NewPartition(key(k), "t", Map.of()));
        }
        return new ReplicaGroupCommand.AddPartitions(all);
    }

    private static PartitionKey key(int k) {
        return new PartitionKey(TOPIC, k);
    }

    private Arbitrary<RawStep> step() {
        Arbitrary<Draft> draft = Arbitraries.frequencyOf(
                Tuple.of(8, produce()),
                Tuple.of(1, Arbitraries.integers().between(0, KEYS - 1).map(k -> (Draft) ts ->
                        new ReplicaGroupCommand.AddPartitions(List.of(new ReplicaGroupCommand.NewPartition(key(k), "t", Map.of()))))),
                Tuple.of(1, Arbitraries.integers().between(0, KEYS - 1).map(k -> (Draft) ts ->
                        new ReplicaGroupCommand.RemovePartitions(List.of(key(k))))),
                Tuple.of(2, Combinators.combine(Arbitraries.integers().between(0, KEYS - 1),
                        Arbitraries.longs().between(-1, 12)).as((k, offset) -> (Draft) ts ->
                        new ReplicaGroupCommand.DeleteRecords(List.of(key(k)), List.of(offset)))),
                Tuple.of(3, markers()));
        return Combinators.combine(draft, Arbitraries.longs().between(0, 90_000), Arbitraries.of(false, false, false, true))
                .as(RawStep::new);
    }

    /** One record batch for a partition: plain, idempotent, or in a transaction of its producer. */
    private record Item(int key, long producerId, short epoch, int sequence, int records, boolean logAppendTime,
                        boolean transactional, long expectedMarker) {
    }

    private Arbitrary<Draft> markers() {
        Arbitrary<ReplicaGroupCommand.Marker> marker = Combinators.combine(
                Arbitraries.integers().between(0, KEYS - 1),
                Arbitraries.of(7L, 8L),
                Arbitraries.of((short) 0, (short) 0, (short) 1),
                Arbitraries.integers().between(0, 2),
                Arbitraries.of(true, false)).as((k, producer, epoch, coordinatorEpoch, commit) ->
                new ReplicaGroupCommand.Marker(key(k), producer, epoch, coordinatorEpoch, commit));
        return marker.list().ofMinSize(1).ofMaxSize(3).map(list -> (Draft) ts -> new ReplicaGroupCommand.WriteMarkers(ts, list));
    }

    private Arbitrary<Draft> produce() {
        Arbitrary<Item> item = Combinators.combine(
                Arbitraries.integers().between(0, KEYS - 1),
                Arbitraries.of(-1L, 7L, 8L),
                Arbitraries.of((short) 0, (short) 0, (short) 1),
                Arbitraries.of(0, 0, 1, 2, 3, 4, 6),
                Arbitraries.integers().between(1, 3),
                Arbitraries.of(false, false, true),
                Arbitraries.of(false, true),
                Arbitraries.of(ProducerStateTable.UNCHECKED, -1L, 3L, 5L)).as(Item::new);
        return item.list().ofMinSize(1).ofMaxSize(3).map(items -> (Draft) ts -> {
            List<ReplicaGroupCommand.ProduceItem> built = new ArrayList<>();
            for (Item i : items) {
                built.add(new ReplicaGroupCommand.ProduceItem(key(i.key()), i.logAppendTime(), i.expectedMarker(), batch(i, ts)));
            }
            return new ReplicaGroupCommand.Produce(ts, built);
        });
    }

    private static ByteBuffer batch(Item i, long timestampMs) {
        boolean idempotent = i.producerId() >= 0;
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(512), RecordBatch.MAGIC_VALUE_V2, Compression.NONE,
                TimestampType.CREATE_TIME, 0, timestampMs, i.producerId(), idempotent ? i.epoch() : -1,
                idempotent ? i.sequence() : -1, idempotent && i.transactional(), -1);
        for (int r = 0; r < i.records(); r++) {
            b.append(timestampMs - 1_000 + r, ("k" + r).getBytes(), ("value-" + r + "-" + timestampMs).getBytes());
        }
        ByteBuffer built = b.build().buffer();
        ByteBuffer copy = ByteBuffer.allocate(built.remaining());
        copy.put(built).flip();
        return copy;
    }
}
