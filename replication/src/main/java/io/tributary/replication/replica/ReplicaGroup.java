package io.tributary.replication.replica;

import io.tributary.storage.AbortedTxn;
import io.tributary.storage.BatchHeader;
import io.tributary.storage.FileSlice;
import io.tributary.storage.LogConfig;
import io.tributary.storage.OffsetOutOfRangeException;
import io.tributary.storage.PartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions one replica group hosts on this broker, as a fold over the group's Raft log: the domain
 * behind {@link ReplicaGroupStateMachine}. Applying an entry assigns offsets deterministically, so every
 * replica's partition logs are identical.
 *
 * <p>Its snapshot ({@link GroupSnapshot}) holds each partition's log end offset, leader epochs and
 * producers, not the records: a replica whose Raft log cannot be replayed rebuilds from the leader's
 * snapshot and partition logs ({@link #rebuildFrom}).
 *
 * <p>A removed partition's directory is renamed aside ({@code <dir>.removed-<group>-<n>}, n counting
 * the group's removals) and deleted only once a snapshot taken after the removal is stored: a restart
 * from an older snapshot still finds the records that snapshot describes (in the first directory set
 * aside after it), moves them back and replays the removal.
 */
public final class ReplicaGroup {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicaGroup.class);
    private static final long PRODUCER_EXPIRY_CHECK_MS = 60_000;
    private static final String REMOVED_SUFFIX = ".removed-";

    private final String groupId;
    private final Path logDir;
    private final Function<Map<String, String>, LogConfig> logConfigs;
    private final long producerExpirationMs;
    private final Consumer<PartitionKey> onAppend;
    private final Map<PartitionKey, PartitionReplica> partitions = new ConcurrentHashMap<>();
    /** Directories of removed partitions that the latest stored snapshot may still refer to. */
    private final List<Path> removed = new ArrayList<>();
    /** How many partitions this group's log removed so far: names each directory set aside. */
    private long removals;
    private ByteBuffer scratch = ByteBuffer.allocateDirect(64 * 1024);
    private long lastExpiryCheckMs;

    /**
     * @param logConfigs maps a topic's config overrides to its log settings (broker defaults applied)
     * @param onAppend   told, on the apply thread, of every partition that grew
     */
    public ReplicaGroup(String groupId, Path logDir, Function<Map<String, String>, LogConfig> logConfigs,
                        long producerExpirationMs, Consumer<PartitionKey> onAppend) {
        this.groupId = groupId;
        this.logDir = logDir;
        this.logConfigs = logConfigs;
        this.producerExpirationMs = producerExpirationMs;
        this.onAppend = onAppend;
    }

    public String groupId() {
        return groupId;
    }

    public PartitionReplica partition(PartitionKey key) {
        return partitions.get(key);
    }

    public Collection<PartitionReplica> partitions() {
        return partitions.values();
    }

    /** Applies one entry at Raft {@code term}; returns the encoded per-partition results. */
    public ByteBuffer apply(long term, ByteBuffer entry) throws IOException {
        ReplicaGroupCommand command = ReplicaGroupCommand.decode(entry);
        List<PartitionResult> results = new ArrayList<>();
        if (command instanceof ReplicaGroupCommand.Produce p) {
            produce(p, (int) term, results);
        } else if (command instanceof ReplicaGroupCommand.AddPartitions a) {
            for (ReplicaGroupCommand.NewPartition np : a.partitions()) {
                if (!partitions.containsKey(np.key())) {
                    partitions.put(np.key(), create(np));
                }
            }
        } else if (command instanceof ReplicaGroupCommand.RemovePartitions r) {
            for (PartitionKey key : r.partitions()) {
                PartitionReplica replica = partitions.remove(key);
                if (replica != null) {
                    Path dir = replica.log().dir();
                    Path aside = dir.resolveSibling(dir.getFileName() + removedSuffix() + removals++);
                    PartitionLog.deleteDirectory(aside);
                    replica.log().closeAndMove(aside);
                    removed.add(aside);
                }
            }
        } else if (command instanceof ReplicaGroupCommand.DeleteRecords d) {
            for (int i = 0; i < d.partitions().size(); i++) {
                results.add(deleteRecords(d.partitions().get(i), d.offsets().get(i)));
            }
        } else if (command instanceof ReplicaGroupCommand.WriteMarkers m) {
            writeMarkers(m, (int) term, results);
        }
        return PartitionResult.encodeAll(results);
    }

    private void produce(ReplicaGroupCommand.Produce p, int epoch, List<PartitionResult> results) {
        writeEach(p.items(), ReplicaGroupCommand.ProduceItem::key, results, (replica, item) ->
                replica.append(copyToScratch(item.batch()), epoch, item.logAppendTime(), p.timestampMs(), item.expectedMarker()));
        if (p.timestampMs() - lastExpiryCheckMs > PRODUCER_EXPIRY_CHECK_MS) {
            lastExpiryCheckMs = p.timestampMs();
            for (PartitionReplica replica : partitions.values()) {
                replica.producers().expire(p.timestampMs() - producerExpirationMs);
            }
        }
    }

    private void writeMarkers(ReplicaGroupCommand.WriteMarkers m, int epoch, List<PartitionResult> results) {
        writeEach(m.markers(), ReplicaGroupCommand.Marker::key, results,
                (replica, marker) -> replica.writeMarker(marker, epoch, m.timestampMs()));
    }

    /** One item's write to its partition's replica. */
    private interface PartitionWrite<T> {
        PartitionResult write(PartitionReplica replica, T item) throws IOException;
    }

    /** Writes each item to its partition, a result per item, then tells of every partition that grew. */
    private <T> void writeEach(List<T> items, Function<T, PartitionKey> keyOf, List<PartitionResult> results,
                               PartitionWrite<T> write) {
        Set<PartitionKey> grown = new HashSet<>();
        for (T item : items) {
            PartitionReplica replica = partitions.get(keyOf.apply(item));
            if (replica == null) {
                results.add(PartitionResult.error(Errors.UNKNOWN_TOPIC_OR_PARTITION, null));
                continue;
            }
            try {
                PartitionResult result = write.write(replica, item);
                results.add(result);
                if (result.error() == Errors.NONE) {
                    grown.add(replica.key());
                }
            } catch (IOException e) {
                LOG.error("writing to {} failed", replica, e);
                results.add(PartitionResult.error(Errors.KAFKA_STORAGE_ERROR, e.getMessage()));
            }
        }
        grown.forEach(onAppend);
    }

    /** Batches are patched (offsets, epoch) before the write; a direct buffer also spares the JDK a copy. */
    private ByteBuffer copyToScratch(ByteBuffer batch) {
        if (scratch.capacity() < batch.remaining()) {
            scratch = ByteBuffer.allocateDirect(Math.max(batch.remaining(), scratch.capacity() * 2));
        }
        scratch.clear();
        scratch.put(batch.duplicate());
        return scratch.flip();
    }

    private PartitionResult deleteRecords(PartitionKey key, long offset) throws IOException {
        PartitionReplica replica = partitions.get(key);
        if (replica == null) {
            return PartitionResult.error(Errors.UNKNOWN_TOPIC_OR_PARTITION, null);
        }
        PartitionLog log = replica.log();
        long target = offset < 0 ? replica.lastStableOffset() : offset;
        if (target > log.logEndOffset()) {
            return PartitionResult.error(Errors.OFFSET_OUT_OF_RANGE, "offset " + offset + " is beyond the high watermark "
                    + log.logEndOffset());
        }
        if (target > replica.lastStableOffset()) {
            return PartitionResult.error(Errors.OFFSET_OUT_OF_RANGE, "offset " + offset + " is beyond the last stable offset "
                    + replica.lastStableOffset() + ": a transaction that began there is still open");
        }
        log.advanceLogStartOffset(target);
        return new PartitionResult(Errors.NONE, null, log.logStartOffset(), -1, log.logStartOffset());
    }

    private PartitionReplica create(ReplicaGroupCommand.NewPartition np) throws IOException {
        Path dir = dirOf(np.key(), np.topic());
        // Left by an earlier run past the last snapshot; the Raft log replays its contents.
        PartitionLog.deleteDirectory(dir);
        PartitionLog log = PartitionLog.open(dir, logConfigs.apply(np.configs()));
        return new PartitionReplica(np.key(), np.topic(), np.configs(), log, new ProducerStateTable(), new LeaderEpochCache());
    }

    private Path dirOf(PartitionKey key, String topic) {
        return logDir.resolve(topic + "-" + key.partition() + "-" + key.topicId());
    }

    private String removedSuffix() {
        return REMOVED_SUFFIX + groupId + "-";
    }

    /** A snapshot taken after the removals so far is stored: their directories are no longer needed. */
    public void snapshotStored() throws IOException {
        for (Path dir : removed) {
            PartitionLog.deleteDirectory(dir);
        }
        removed.clear();
    }

    /** Applies a topic's current configs to one of its local replicas, if they changed. */
    public void updateConfigs(PartitionReplica replica, Map<String, String> configs) {
        if (!replica.configs().equals(configs)) {
            replica.updateConfigs(configs, logConfigs.apply(configs));
        }
    }

    /**
     * Flushes every partition log, then encodes the state that the Raft log up to this point built (see
     * {@link GroupSnapshot}); the state machine writes it as the snapshot.
     */
    public ByteBuffer snapshot() throws IOException {
        List<GroupSnapshot.Partition> states = new ArrayList<>(partitions.size());
        for (PartitionReplica replica : partitions.values()) {
            replica.log().flush();
            states.add(new GroupSnapshot.Partition(replica.key(), replica.topic(), replica.configs(),
                    replica.log().logEndOffset(), replica.epochs(), replica.producers()));
        }
        return new GroupSnapshot(lastExpiryCheckMs, removals, states).encode();
    }

    /**
     * Replaces the current state with a snapshot's (null: empty). Logs are truncated to the snapshot's log
     * end offsets; Ratis replays the entries after the snapshot.
     */
    public void loadSnapshot(Path file) throws IOException {
        closeAll();
        lastExpiryCheckMs = 0;
        removals = 0;
        Map<Path, TreeMap<Long, Path>> setAside = setAside();
        if (file != null) {
            GroupSnapshot snapshot = GroupSnapshot.decode(ByteBuffer.wrap(Files.readAllBytes(file)), file.toString());
            lastExpiryCheckMs = snapshot.lastExpiryCheckMs();
            removals = snapshot.removals();
            for (GroupSnapshot.Partition p : snapshot.partitions()) {
                Path dir = dirOf(p.key(), p.topic());
                Map.Entry<Long, Path> removedSince = setAside.getOrDefault(dir, new TreeMap<>()).ceilingEntry(removals);
                if (removedSince != null) {
                    // Removed after this snapshot (and perhaps added again): back come the records it describes,
                    // and the Raft log replays what followed.
                    PartitionLog.deleteDirectory(dir);
                    Files.move(removedSince.getValue(), dir, StandardCopyOption.ATOMIC_MOVE);
                }
                PartitionLog log = PartitionLog.open(dir, logConfigs.apply(p.configs()));
                if (log.logEndOffset() < p.logEndOffset()) {
                    throw new IOException(log.dir() + " ends at " + log.logEndOffset() + " but the group snapshot "
                            + file + " says " + p.logEndOffset() + ": flushed records are missing");
                }
                PartitionReplica replica = new PartitionReplica(p.key(), p.topic(), p.configs(), log, p.producers(), p.epochs());
                replica.truncateTo(p.logEndOffset());
                partitions.put(p.key(), replica);
            }
        }
        deleteAll(setAside);
    }

    private static void deleteAll(Map<Path, TreeMap<Long, Path>> setAside) throws IOException {
        for (TreeMap<Long, Path> dirs : setAside.values()) {
            for (Path dir : dirs.values()) {
                PartitionLog.deleteDirectory(dir);
            }
        }
    }

    /**
     * Answers a {@link PartitionRead} query from a replica that rebuilds its partition logs from this one:
     * whole batches as stored here, and the transactions their abort markers end.
     */
    public ByteBuffer read(ByteBuffer query) throws IOException {
        return read(PartitionRead.Request.decode(query)).encode();
    }

    PartitionRead.Answer read(PartitionRead.Request request) throws IOException {
        PartitionReplica replica = partitions.get(request.key());
        if (replica == null) {
            return PartitionRead.Answer.error(Errors.UNKNOWN_TOPIC_OR_PARTITION, -1);
        }
        PartitionLog log = replica.log();
        long start = log.logStartOffset();
        FileSlice slice;
        try {
            slice = log.read(request.fromOffset(), Math.max(request.maxBytes(), 1), request.endOffset(), true);
        } catch (OffsetOutOfRangeException e) {
            return PartitionRead.Answer.error(Errors.OFFSET_OUT_OF_RANGE, log.logStartOffset());
        }
        ByteBuffer records = PartitionRebuild.wholeBatches(slice.read());
        if (!records.hasRemaining()) {
            return new PartitionRead.Answer(Errors.NONE, start, List.of(), records);
        }
        long next = BatchHeader.lastOffsetIn(records) + 1;
        List<AbortedTxn> aborted = log.abortedTxns(request.fromOffset(), next).stream()
                .filter(txn -> txn.lastOffset() < next).toList();
        return new PartitionRead.Answer(Errors.NONE, start, aborted, records);
    }

    /**
     * Makes this replica's partition logs hold what the leader's snapshot describes, so that the state
     * machine can then load that snapshot: each partition keeps the records it has in common with the
     * leader and copies the rest from it (see {@link PartitionRebuild}); partitions the snapshot does not
     * name are deleted. Nothing may be applied meanwhile.
     *
     * @param leader answers {@link PartitionRead} queries: the group's leader
     */
    public void rebuildFrom(ByteBuffer leaderSnapshot, UnaryOperator<ByteBuffer> leader) throws IOException {
        GroupSnapshot target = GroupSnapshot.decode(leaderSnapshot.duplicate(), "from the leader");
        Set<Path> stale = new HashSet<>();
        partitions.values().forEach(replica -> stale.add(replica.log().dir()));
        closeAll();
        deleteAll(setAside());
        for (GroupSnapshot.Partition p : target.partitions()) {
            Path dir = dirOf(p.key(), p.topic());
            stale.remove(dir);
            try (PartitionLog log = PartitionLog.open(dir, logConfigs.apply(p.configs()))) {
                new PartitionRebuild(p.key(), log, request -> PartitionRead.Answer.decode(leader.apply(request.encode())))
                        .copyUpTo(p.logEndOffset());
            }
        }
        for (Path dir : stale) {
            PartitionLog.deleteDirectory(dir);
        }
    }

    /** The directories this group set aside, by the partition directory they were and the removal's number. */
    private Map<Path, TreeMap<Long, Path>> setAside() throws IOException {
        Map<Path, TreeMap<Long, Path>> out = new HashMap<>();
        String suffix = removedSuffix();
        try (Stream<Path> dirs = Files.list(logDir)) {
            for (Path aside : dirs.toList()) {
                String name = aside.getFileName().toString();
                int at = name.lastIndexOf(suffix);
                if (at > 0) {
                    long n = Long.parseLong(name.substring(at + suffix.length()));
                    out.computeIfAbsent(aside.resolveSibling(name.substring(0, at)), d -> new TreeMap<>()).put(n, aside);
                }
            }
        }
        return out;
    }

    public void closeAll() throws IOException {
        for (PartitionReplica replica : partitions.values()) {
            replica.log().close();
        }
        partitions.clear();
        removed.clear();
    }
}
