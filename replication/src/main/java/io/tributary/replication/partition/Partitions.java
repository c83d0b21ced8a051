package io.tributary.replication.partition;

import io.tributary.replication.Failures;
import io.tributary.replication.RaftGroups;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.replication.metadata.TopicRef;
import io.tributary.replication.replica.PartitionKey;
import io.tributary.replication.replica.PartitionReplica;
import io.tributary.replication.replica.PartitionResult;
import io.tributary.replication.replica.ProducerStateTable;
import io.tributary.replication.replica.ReplicaGroupCommand;
import io.tributary.replication.replica.ReplicaGroups;
import io.tributary.storage.BatchHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.ratis.protocol.RaftGroupId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitions as the layers above replication use them, and the only way they touch one: a lookup
 * that answers a Kafka error or a {@link PartitionLeader} handle, batched writes that go through each
 * replica group's Raft log, a wait for new data, and leadership as clients are told it.
 */
public final class Partitions {
    private static final Logger LOG = LoggerFactory.getLogger(Partitions.class);

    /** A replica group's share of a write beyond this many bytes goes into another Raft entry. */
    private static final int ENTRY_SPLIT_BYTES = 1024 * 1024;

    private final RaftGroups raft;
    private final ReplicaGroups local;
    private final Supplier<MetadataImage> metadata;
    private final Function<Map<String, String>, TopicSettings> settings;
    private final AppendWatchers watchers;

    /**
     * @param settings a topic's config overrides to its settings, broker defaults applied
     * @param watchers told by the replica groups of every partition that grew
     */
    public Partitions(RaftGroups raft, ReplicaGroups local, Supplier<MetadataImage> metadata,
                      Function<Map<String, String>, TopicSettings> settings, AppendWatchers watchers) {
        this.raft = raft;
        this.local = local;
        this.metadata = metadata;
        this.settings = settings;
        this.watchers = watchers;
    }

    /** The outcome of a lookup: a Kafka error, or the handle when the error is NONE. */
    public record Lookup(Errors error, PartitionLeader leader) {
        static Lookup failed(Errors error) {
            return new Lookup(error, null);
        }

        public boolean found() {
            return error == Errors.NONE;
        }
    }

    /**
     * One partition's records for {@link #append}. A client's transactional batch must say what its
     * producer's transaction was verified against (see {@link PartitionLeader.ProducerTxn}); it is refused
     * with INVALID_TXN_STATE otherwise, and when a marker for the producer came in between.
     */
    public record Write(PartitionLeader partition, MemoryRecords records, long expectedMarker) {
        public Write(PartitionLeader partition, MemoryRecords records) {
            this(partition, records, ProducerStateTable.UNCHECKED);
        }

        /** What {@link #addedWithEpoch} carries in place of a marker offset. */
        public static final long EPOCH_GUARDED = ProducerStateTable.EPOCH_GUARDED;

        /** A transactional batch whose transaction the coordinator confirmed while the producer's last marker was here. */
        public static Write verified(PartitionLeader partition, MemoryRecords records, PartitionLeader.ProducerTxn seen) {
            return new Write(partition, records, seen.lastMarkerOffset());
        }

        /**
         * A transactional batch of transaction protocol version 2 whose partition the coordinator added to
         * its transaction: every transaction has an epoch of its own, which guards the batch (see
         * {@link ProducerStateTable#EPOCH_GUARDED}).
         */
        public static Write addedWithEpoch(PartitionLeader partition, MemoryRecords records) {
            return new Write(partition, records, EPOCH_GUARDED);
        }
    }

    /** A commit or abort marker from the transaction coordinator in {@code coordinatorEpoch}, for {@link #writeMarkers}. */
    public record Marker(PartitionLeader partition, long producerId, short producerEpoch, int coordinatorEpoch,
                         boolean commit) {
    }

    /** Moving one partition's log start offset to {@code offset}; -1 means the last stable offset. */
    public record Deletion(PartitionLeader partition, long offset) {
    }

    /** What a deletion did: an error, or the partition's new log start offset. */
    public record Deleted(Errors error, long lowWatermark) {
    }

    /**
     * This broker's leader replica of a partition, or the error a client gets: UNKNOWN_TOPIC_OR_PARTITION
     * (UNKNOWN_TOPIC_ID for a topic named by id), NOT_LEADER_OR_FOLLOWER when another broker leads it or
     * its replica is not in place here yet, FENCED_LEADER_EPOCH or UNKNOWN_LEADER_EPOCH when the client's
     * epoch is older or newer than the leader's.
     *
     * @param currentLeaderEpoch the epoch the client believes current, -1 to skip the check
     */
    public Lookup leader(TopicRef ref, int partition, int currentLeaderEpoch) {
        MetadataImage image = metadata.get();
        TopicInfo topic = image.topic(ref).orElse(null);
        if (topic == null) {
            return Lookup.failed(ref.unknown());
        }
        Location location = Location.of(image, topic, partition);
        if (location == null) {
            return Lookup.failed(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        }
        RaftGroupId group = location.raftGroup();
        PartitionReplica replica = local.replica(location.group().id(), location.key()).orElse(null);
        if (replica == null || !raft.isLeader(group)) {
            return Lookup.failed(Errors.NOT_LEADER_OR_FOLLOWER);
        }
        int epoch = (int) raft.term(group);
        if (currentLeaderEpoch >= 0 && currentLeaderEpoch < epoch) {
            return Lookup.failed(Errors.FENCED_LEADER_EPOCH);
        }
        if (currentLeaderEpoch > epoch) {
            return Lookup.failed(Errors.UNKNOWN_LEADER_EPOCH);
        }
        return new Lookup(Errors.NONE, new PartitionLeader(topic.name(), location.key(), group, replica, epoch,
                settings.apply(topic.configs())));
    }

    /**
     * Whether this broker was just elected the partition's leader and is not ready for writes yet: a
     * lookup now answers NOT_LEADER_OR_FOLLOWER, one a moment later finds it.
     */
    public boolean isBecomingLeader(TopicRef ref, int partition) {
        MetadataImage image = metadata.get();
        Location location = image.topic(ref).map(topic -> Location.of(image, topic, partition)).orElse(null);
        return location != null && raft.isBecomingLeader(location.raftGroup());
    }

    /** A partition of a topic named by name, without an epoch check (coordinators' internal topics). */
    public Lookup leader(String topic, int partition) {
        return leader(TopicRef.byName(topic), partition, -1);
    }

    /**
     * Appends each partition's records, one Raft entry per replica group (more when large): one
     * replication round and one fsync for all of a group's partitions. Completes with a result per write,
     * in order, once every entry is committed and applied, failed or timed out. A client's records are
     * validated first; with {@code requiredAcks} -1 a partition with fewer in-sync replicas than its
     * {@code min.insync.replicas} gets NOT_ENOUGH_REPLICAS.
     *
     * @param timeoutMs how long to wait for an entry to commit (REQUEST_TIMED_OUT after), 0 for as long
     *                  as it takes
     */
    public CompletableFuture<List<AppendResult>> append(List<Write> writes, AppendOrigin origin, short requiredAcks,
                                                        long timeoutMs) {
        long now = System.currentTimeMillis();
        AppendResult[] results = new AppendResult[writes.size()];
        EntryBuilder<ReplicaGroupCommand.ProduceItem> entries = new EntryBuilder<>();
        for (int i = 0; i < writes.size(); i++) {
            PartitionLeader partition = writes.get(i).partition();
            BatchValidator.Rules rules = partition.settings().produce();
            if (requiredAcks == -1 && !enoughInSync(partition)) {
                results[i] = AppendResult.error(Errors.NOT_ENOUGH_REPLICAS, null);
                continue;
            }
            ByteBuffer batch = writes.get(i).records().buffer();
            if (origin == AppendOrigin.CLIENT) {
                BatchValidator.Result valid = BatchValidator.validate(writes.get(i).records(), partition.toString(), rules, now);
                if (!valid.isValid()) {
                    results[i] = AppendResult.invalid(valid);
                    continue;
                }
                batch = valid.batch();
                boolean transactional = BatchHeader.isTransactional(batch, batch.position());
                if (transactional && writes.get(i).expectedMarker() == ProducerStateTable.UNCHECKED) {
                    results[i] = AppendResult.error(Errors.INVALID_TXN_STATE, "a transactional batch for " + partition
                            + " that its transaction coordinator did not confirm");
                    continue;
                }
            }
            entries.add(i, partition.group(), new ReplicaGroupCommand.ProduceItem(partition.key(), rules.logAppendTime(),
                    writes.get(i).expectedMarker(), batch),
                    batch.remaining());
        }
        return entries.submit(items -> new ReplicaGroupCommand.Produce(now, items), timeoutMs,
                (i, applied) -> results[i] = AppendResult.of(applied),
                (i, failure) -> results[i] = AppendResult.error(Failures.errorOf(failure), Failures.unwrap(failure).getMessage()))
                .thenApply(v -> Arrays.asList(results));
    }

    /**
     * Raft already needs a majority to commit; {@code min.insync.replicas} can only ask for more than the
     * leader alone, so the in-sync set is only worked out when it matters.
     */
    private boolean enoughInSync(PartitionLeader partition) {
        int required = partition.settings().minInsyncReplicas();
        return required <= 1 || raft.inSyncReplicas(partition.group()).size() >= required;
    }

    /**
     * Moves log start offsets forward (DeleteRecords), through each replica group's log, and completes with
     * a result per deletion, in order.
     */
    public CompletableFuture<List<Deleted>> deleteRecords(List<Deletion> deletions, long timeoutMs) {
        Deleted[] results = new Deleted[deletions.size()];
        EntryBuilder<PartitionOffset> entries = new EntryBuilder<>();
        for (int i = 0; i < deletions.size(); i++) {
            Deletion d = deletions.get(i);
            entries.add(i, d.partition().group(), new PartitionOffset(d.partition().key(), d.offset()), 32);
        }
        return entries.submit(items -> new ReplicaGroupCommand.DeleteRecords(
                        items.stream().map(PartitionOffset::key).toList(), items.stream().map(PartitionOffset::offset).toList()),
                        timeoutMs,
                        (i, applied) -> results[i] = new Deleted(applied.error(), applied.offset()),
                        (i, failure) -> results[i] = new Deleted(Failures.errorOf(failure), -1))
                .thenApply(v -> Arrays.asList(results));
    }

    private record PartitionOffset(PartitionKey key, long offset) {
    }

    /**
     * Writes transaction markers (WriteTxnMarkers), through each replica group's log: each ends its
     * producer's open transaction in its partition. Completes with a result per marker, in order: an
     * error (INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED, or a failure to replicate), or the
     * marker's offset.
     */
    public CompletableFuture<List<AppendResult>> writeMarkers(List<Marker> markers, long timeoutMs) {
        long now = System.currentTimeMillis();
        AppendResult[] results = new AppendResult[markers.size()];
        EntryBuilder<ReplicaGroupCommand.Marker> entries = new EntryBuilder<>();
        for (int i = 0; i < markers.size(); i++) {
            Marker m = markers.get(i);
            entries.add(i, m.partition().group(), new ReplicaGroupCommand.Marker(m.partition().key(), m.producerId(),
                    m.producerEpoch(), m.coordinatorEpoch(), m.commit()), 48);
        }
        return entries.submit(items -> new ReplicaGroupCommand.WriteMarkers(now, items), timeoutMs,
                        (i, applied) -> results[i] = AppendResult.of(applied),
                        (i, failure) -> results[i] = AppendResult.error(Failures.errorOf(failure), Failures.unwrap(failure).getMessage()))
                .thenApply(v -> Arrays.asList(results));
    }

    /** What to do with each item's outcome, by the item's index in the request. */
    private interface Outcome<T> {
        void accept(int index, T outcome);
    }

    /**
     * Items of one request bound for replica groups, gathered into Raft entries: per group in request
     * order, a new entry once the current one holds {@link #ENTRY_SPLIT_BYTES}.
     */
    private final class EntryBuilder<I> {
        private final class Entry {
            final RaftGroupId group;
            final List<Integer> indexes = new ArrayList<>();
            final List<I> items = new ArrayList<>();
            int bytes;

            Entry(RaftGroupId group) {
                this.group = group;
            }
        }

        private final Map<RaftGroupId, Entry> open = new LinkedHashMap<>();
        private final List<Entry> entries = new ArrayList<>();

        void add(int index, RaftGroupId group, I item, int bytes) {
            Entry entry = open.get(group);
            if (entry == null || (entry.bytes + bytes > ENTRY_SPLIT_BYTES && !entry.items.isEmpty())) {
                entry = new Entry(group);
                open.put(group, entry);
                entries.add(entry);
            }
            entry.indexes.add(index);
            entry.items.add(item);
            entry.bytes += bytes;
        }

        CompletableFuture<Void> submit(Function<List<I>, ReplicaGroupCommand> command, long timeoutMs,
                                       Outcome<PartitionResult> applied, Outcome<Throwable> failed) {
            List<CompletableFuture<Void>> pending = new ArrayList<>();
            for (Entry entry : entries) {
                CompletableFuture<ByteBuffer> reply = raft.submit(entry.group, ReplicaGroupCommand.encode(command.apply(entry.items)));
                if (timeoutMs > 0) {
                    reply = reply.orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
                }
                pending.add(reply.handle((bytes, error) -> {
                    List<PartitionResult> results = error == null ? PartitionResult.decodeAll(bytes) : null;
                    for (int i = 0; i < entry.indexes.size(); i++) {
                        if (error == null) {
                            applied.accept(entry.indexes.get(i), results.get(i));
                        } else {
                            failed.accept(entry.indexes.get(i), error);
                        }
                    }
                    return null;
                }));
            }
            return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new));
        }
    }

    /** Calls {@code onAppend} once, on the next append to any of {@code partitions}; it must only hand off work. */
    public AppendWatchers.Watch watch(Collection<PartitionLeader> partitions, Runnable onAppend) {
        return watchers.watch(partitions.stream().map(PartitionLeader::key).toList(), onAppend);
    }

    /** Leadership as clients are told it, for one request. */
    public LeadershipView leadership() {
        return new LeadershipView(raft, local, metadata.get());
    }

    /**
     * Whether every partition of {@code topic} that this broker hosts has its replica here and a known
     * leader: a new topic can be written to from this broker on.
     */
    public boolean readyHere(String topic) {
        MetadataImage image = metadata.get();
        TopicInfo info = image.topics().get(topic);
        if (info == null) {
            return true;
        }
        for (int p = 0; p < info.partitionCount(); p++) {
            Location location = Location.of(image, info, p);
            if (location == null) {
                return false;
            }
            if (location.group().replicas().contains(raft.nodeId())
                    && (local.replica(location.group().id(), location.key()).isEmpty() || raft.leader(location.raftGroup()).isEmpty())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Deletes the segments that every local replica's retention settings let go (on followers too), but
     * none an open transaction began in.
     */
    public void applyRetention() {
        for (PartitionReplica replica : local.replicas()) {
            try {
                replica.log().applyRetention(replica.lastStableOffset());
            } catch (IOException | RuntimeException e) {
                LOG.warn("retention of {} failed: {}", replica, e.getMessage());
            }
        }
    }
}
