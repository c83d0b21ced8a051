package io.tributary.replication.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.replication.metadata.LeaderReport;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.ReplicaGroupInfo;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.replication.metadata.TopicRef;
import io.tributary.replication.replica.PartitionKey;
import io.tributary.replication.replica.ReplicaGroup;
import io.tributary.replication.replica.ReplicaGroupCommand;
import io.tributary.replication.replica.ReplicaGroups;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partition data plane over a real replica group on real files, without Ratis: lookups and their
 * errors, batched appends, reads, offset and epoch lookups, deletions, the wait for data, leadership.
 */
class PartitionsTest {
    private static final String GROUP = UUID.nameUUIDFromBytes("g".getBytes(StandardCharsets.UTF_8)).toString();
    private static final RaftGroupId RAFT_GROUP = RaftGroupId.valueOf(UUID.fromString(GROUP));

    @TempDir
    Path dir;

    private final LocalRaft raft = new LocalRaft();
    private final ReplicaGroups local = new ReplicaGroups();
    private final AppendWatchers watchers = new AppendWatchers();
    private final TopicInfo orders = new TopicInfo("orders", Uuid.randomUuid(), 1, Map.of(), List.of(GROUP, GROUP));
    private final TopicInfo strict = new TopicInfo("strict", Uuid.randomUuid(), 1, Map.of("min.insync.replicas", "2"), List.of(GROUP));
    private final TopicInfo unplaced = new TopicInfo("unplaced", Uuid.randomUuid(), 1, Map.of(), List.of(GROUP));
    private MetadataImage image;
    private ReplicaGroup group;
    private Partitions partitions;

    @BeforeEach
    void start() throws Exception {
        image = MetadataImage.EMPTY.toBuilder()
                .topics(Map.of("orders", orders, "strict", strict, "unplaced", unplaced))
                .replicaGroups(Map.of(GROUP, new ReplicaGroupInfo(GROUP, List.of(1))))
                .build();
        group = new ReplicaGroup(GROUP, dir, overrides -> TopicSettings.of(overrides).log(), 86_400_000L, watchers::appended);
        local.register(group);
        raft.host(RAFT_GROUP, group);
        partitions = new Partitions(raft, local, () -> image, TopicSettings.resolver(overrides -> overrides), watchers);
        List<ReplicaGroupCommand.NewPartition> added = new ArrayList<>();
        for (TopicInfo t : List.of(orders, strict)) {
            for (int p = 0; p < t.partitionCount(); p++) {
                added.add(new ReplicaGroupCommand.NewPartition(new PartitionKey(t.id(), p), t.name(), t.configs()));
            }
        }
        raft.submit(RAFT_GROUP, ReplicaGroupCommand.encode(new ReplicaGroupCommand.AddPartitions(added))).join();
    }

    @AfterEach
    void stop() throws Exception {
        group.closeAll();
    }

    private static MemoryRecords batch(long baseOffset, long timestamp, String... values) {
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(1024 + values.length * 64), Compression.NONE,
                TimestampType.CREATE_TIME, baseOffset);
        for (String v : values) {
            b.append(timestamp, ("k-" + v).getBytes(StandardCharsets.UTF_8), v.getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    private static MemoryRecords batch(String... values) {
        return batch(0, System.currentTimeMillis(), values);
    }

    private PartitionLeader leader(String topic, int partition) {
        Partitions.Lookup lookup = partitions.leader(topic, partition);
        assertThat(lookup.error()).isEqualTo(Errors.NONE);
        return lookup.leader();
    }

    private List<AppendResult> append(short acks, Partitions.Write... writes) throws Exception {
        return partitions.append(List.of(writes), AppendOrigin.CLIENT, acks, 1_000).get(5, TimeUnit.SECONDS);
    }

    private static List<String> values(PartitionLeader.Read read) {
        List<String> out = new ArrayList<>();
        for (RecordBatch b : MemoryRecords.readableRecords(read.records().copy()).batches()) {
            for (Record r : b) {
                out.add(StandardCharsets.UTF_8.decode(r.value()).toString());
            }
        }
        return out;
    }

    @Test
    void readCommittedStopsAtTheLastStableOffsetAndNamesTheAbortedTransactions() throws Exception {
        PartitionLeader p0 = leader("orders", 0);
        MemoryRecords open = MemoryRecords.withTransactionalRecords(Compression.NONE, 7L, (short) 0, 0,
                new SimpleRecord("t1".getBytes(StandardCharsets.UTF_8)));
        MemoryRecords aborted = MemoryRecords.withTransactionalRecords(Compression.NONE, 8L, (short) 0, 0,
                new SimpleRecord("t2".getBytes(StandardCharsets.UTF_8)));
        // A coordinator's write: a client's transactional batch needs its transaction coordinator first.
        partitions.append(List.of(new Partitions.Write(p0, open), new Partitions.Write(p0, aborted)), AppendOrigin.COORDINATOR,
                (short) -1, 1_000).get(5, TimeUnit.SECONDS);
        append((short) 1, new Partitions.Write(p0, batch("plain")));
        assertThat(p0.lastStableOffset()).isZero();
        assertThat(p0.read(0, 1 << 20, true, IsolationLevel.READ_COMMITTED).records().isEmpty()).isTrue();

        List<AppendResult> markers = partitions.writeMarkers(List.of(new Partitions.Marker(p0, 8L, (short) 0, 0, false),
                new Partitions.Marker(p0, 7L, (short) 0, 0, true)), 1_000).get(5, TimeUnit.SECONDS);
        assertThat(markers).extracting(AppendResult::baseOffset).containsExactly(3L, 4L);
        assertThat(p0.lastStableOffset()).isEqualTo(5);

        PartitionLeader.Read committed = p0.read(0, 1 << 20, true, IsolationLevel.READ_COMMITTED);
        assertThat(committed.lastStableOffset()).isEqualTo(5);
        assertThat(committed.abortedTransactions()).containsExactly(new PartitionLeader.AbortedTransaction(8, 1));
        assertThat(values(committed)).as("the consumer filters; the broker returns every record").contains("t1", "t2", "plain");
        assertThat(p0.read(0, 1 << 20, true, IsolationLevel.READ_UNCOMMITTED).abortedTransactions()).isNull();
        assertThat(p0.read(4, 1 << 20, true, IsolationLevel.READ_COMMITTED).abortedTransactions()).isEmpty();
    }

    @Test
    void aLookupAnswersKafkasErrors() {
        assertThat(partitions.leader(TopicRef.byName("nope"), 0, -1).error()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(partitions.leader(new TopicRef("", Uuid.randomUuid()), 0, -1).error()).isEqualTo(Errors.UNKNOWN_TOPIC_ID);
        assertThat(partitions.leader(new TopicRef(null, orders.id()), 1, -1).leader().topic()).isEqualTo("orders");
        assertThat(partitions.leader("orders", 2).error()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(partitions.leader("orders", -1).error()).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
        assertThat(partitions.leader("unplaced", 0).error()).as("no replica here yet").isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);

        raft.term = 3;
        assertThat(partitions.leader(TopicRef.byName("orders"), 0, 2).error()).isEqualTo(Errors.FENCED_LEADER_EPOCH);
        assertThat(partitions.leader(TopicRef.byName("orders"), 0, 4).error()).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
        assertThat(partitions.leader(TopicRef.byName("orders"), 0, 3).leader().leaderEpoch()).isEqualTo(3);

        raft.leader = false;
        assertThat(partitions.leader("orders", 0).error()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(partitions.isBecomingLeader(TopicRef.byName("orders"), 0)).isFalse();
    }

    @Test
    void aLeaderElectedHereButNotReadyIsBecomingLeader() {
        raft.leader = false;
        raft.becoming = true;
        assertThat(partitions.leader("orders", 0).error()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(partitions.isBecomingLeader(TopicRef.byName("orders"), 0)).isTrue();
        assertThat(partitions.isBecomingLeader(TopicRef.byName("orders"), 2)).as("no such partition").isFalse();
        assertThat(partitions.isBecomingLeader(TopicRef.byName("nope"), 0)).as("no such topic").isFalse();

        raft.leader = true;
        raft.becoming = false;
        assertThat(partitions.isBecomingLeader(TopicRef.byName("orders"), 0)).isFalse();
        assertThat(partitions.leader("orders", 0).found()).isTrue();
    }

    @Test
    void appendsAnswerInRequestOrderAndReadBack() throws Exception {
        PartitionLeader p0 = leader("orders", 0);
        PartitionLeader p1 = leader("orders", 1);
        List<AppendResult> results = append((short) 1, new Partitions.Write(p0, batch("a", "b")),
                new Partitions.Write(p1, batch("x")), new Partitions.Write(p0, batch("c")));

        assertThat(results).extracting(AppendResult::error).containsOnly(Errors.NONE);
        assertThat(results).extracting(AppendResult::baseOffset).containsExactly(0L, 0L, 2L);
        assertThat(raft.submitted).as("one entry for the group").hasSize(2);
        assertThat(p0.highWatermark()).isEqualTo(3);
        assertThat(p0.lastStableOffset()).isEqualTo(3);

        PartitionLeader.Read read = p0.read(1, 1 << 20, true, IsolationLevel.READ_UNCOMMITTED);
        assertThat(read.highWatermark()).isEqualTo(3);
        assertThat(read.logStartOffset()).isZero();
        assertThat(values(read)).as("from the batch holding offset 1").containsExactly("a", "b", "c");
        assertThat(p0.read(3, 1 << 20, true, IsolationLevel.READ_COMMITTED).records().isEmpty()).isTrue();
        assertThatThrownBy(() -> p0.read(4, 1 << 20, true, IsolationLevel.READ_UNCOMMITTED))
                .isInstanceOf(OffsetOutOfRangeException.class);
    }

    @Test
    void invalidBatchesAreRefusedAloneWithKafkasErrors() throws Exception {
        PartitionLeader p0 = leader("orders", 0);
        long now = System.currentTimeMillis();
        List<AppendResult> results = append((short) 1,
                new Partitions.Write(p0, batch(5, now, "wrong base offset")),
                new Partitions.Write(p0, batch(0, now + 7_200_000, "late", "later")),
                new Partitions.Write(p0, batch("fine")));

        assertThat(results.get(0).error()).isEqualTo(Errors.INVALID_RECORD);
        assertThat(results.get(1).error()).isEqualTo(Errors.INVALID_TIMESTAMP);
        assertThat(results.get(1).recordErrors()).extracting(BatchValidator.RecordError::batchIndex).containsExactly(0, 1);
        assertThat(results.get(2).error()).isEqualTo(Errors.NONE);
        assertThat(results.get(2).baseOffset()).isZero();

        List<AppendResult> trusted = partitions.append(List.of(new Partitions.Write(p0, batch(5, now, "coordinator"))),
                AppendOrigin.COORDINATOR, (short) -1, 0).get(5, TimeUnit.SECONDS);
        assertThat(trusted.get(0).baseOffset()).as("a coordinator's batch is not validated").isEqualTo(1);
    }

    @Test
    void acksAllNeedsMinInsyncReplicas() throws Exception {
        PartitionLeader p = leader("strict", 0);
        assertThat(append((short) -1, new Partitions.Write(p, batch("a"))).get(0).error()).isEqualTo(Errors.NOT_ENOUGH_REPLICAS);
        assertThat(append((short) 1, new Partitions.Write(p, batch("a"))).get(0).error()).isEqualTo(Errors.NONE);
        raft.inSync = List.of(1, 2);
        assertThat(append((short) -1, new Partitions.Write(p, batch("b"))).get(0).baseOffset()).isEqualTo(1);
    }

    @Test
    void raftFailuresBecomeKafkaErrors() throws Exception {
        PartitionLeader p0 = leader("orders", 0);
        raft.failure = new NotLeaderOrFollowerException("stepped down");
        assertThat(append((short) 1, new Partitions.Write(p0, batch("a"))).get(0).error()).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);

        raft.failure = null;
        raft.hold = true;
        List<AppendResult> late = partitions.append(List.of(new Partitions.Write(p0, batch("a"))), AppendOrigin.CLIENT,
                (short) 1, 50).get(5, TimeUnit.SECONDS);
        assertThat(late.get(0).error()).isEqualTo(Errors.REQUEST_TIMED_OUT);
    }

    @Test
    void aGroupsShareOfALargeWriteIsSplitIntoEntries() throws Exception {
        PartitionLeader p0 = leader("orders", 0);
        String large = "x".repeat(600 * 1024);
        List<AppendResult> results = append((short) 1, new Partitions.Write(p0, batchOfSize(large)),
                new Partitions.Write(p0, batchOfSize(large)));
        assertThat(results).extracting(AppendResult::baseOffset).containsExactly(0L, 1L);
        assertThat(raft.submitted).as("AddPartitions, then one entry per batch").hasSize(3);
    }

    private static MemoryRecords batchOfSize(String value) {
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(value.length() + 1024), Compression.NONE,
                TimestampType.CREATE_TIME, 0);
        b.append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8));
        return b.build();
    }

    @Test
    void offsetsAreFoundByTimestampAndEpochsByOffset() throws Exception {
        PartitionLeader p0 = leader("orders", 0);
        append((short) 1, new Partitions.Write(p0, batch(0, 1_000, "a", "b")));
        raft.term = 4;
        p0 = leader("orders", 0);
        long now = System.currentTimeMillis();
        append((short) 1, new Partitions.Write(p0, batch(0, now, "c")));

        assertThat(p0.offsetForTimestamp(0)).contains(new PartitionLeader.ListedOffset(1_000, 0, 1));
        assertThat(p0.offsetForTimestamp(now)).contains(new PartitionLeader.ListedOffset(now, 2, 4));
        assertThat(p0.offsetForTimestamp(now + 1)).isEmpty();
        assertThat(p0.maxTimestamp()).contains(new PartitionLeader.ListedOffset(now, 2, 4));
        assertThat(p0.endOffsetForEpoch(1)).isEqualTo(new PartitionLeader.EpochEnd(1, 2));
        assertThat(p0.endOffsetForEpoch(3)).as("the largest epoch at most 3").isEqualTo(new PartitionLeader.EpochEnd(1, 2));
        assertThat(p0.endOffsetForEpoch(4)).isEqualTo(new PartitionLeader.EpochEnd(4, 3));
        assertThat(p0.endOffsetForEpoch(0)).isEqualTo(new PartitionLeader.EpochEnd(-1, -1));
    }

    @Test
    void deleteRecordsMovesTheLogStartThroughTheGroupsLog() throws Exception {
        PartitionLeader p0 = leader("orders", 0);
        PartitionLeader p1 = leader("orders", 1);
        append((short) 1, new Partitions.Write(p0, batch("a", "b", "c")), new Partitions.Write(p1, batch("x")));

        List<Partitions.Deleted> deleted = partitions.deleteRecords(List.of(new Partitions.Deletion(p0, 2),
                new Partitions.Deletion(p1, -1), new Partitions.Deletion(p0, 9)), 1_000).get(5, TimeUnit.SECONDS);
        assertThat(deleted).containsExactly(new Partitions.Deleted(Errors.NONE, 2), new Partitions.Deleted(Errors.NONE, 1),
                new Partitions.Deleted(Errors.OFFSET_OUT_OF_RANGE, -1));
        assertThat(p0.logStartOffset()).isEqualTo(2);
        assertThatThrownBy(() -> leader("orders", 0).read(1, 1024, true, IsolationLevel.READ_UNCOMMITTED))
                .isInstanceOf(OffsetOutOfRangeException.class);
    }

    @Test
    void aWatchFiresOnceOnTheNextAppendToItsPartitions() throws Exception {
        PartitionLeader p0 = leader("orders", 0);
        PartitionLeader p1 = leader("orders", 1);
        AtomicInteger fired = new AtomicInteger();
        partitions.watch(List.of(p1), fired::incrementAndGet);
        append((short) 1, new Partitions.Write(p0, batch("a")));
        assertThat(fired).hasValue(0);
        append((short) 1, new Partitions.Write(p1, batch("b")));
        append((short) 1, new Partitions.Write(p1, batch("c")));
        assertThat(fired).hasValue(1);

        AppendWatchers.Watch cancelled = partitions.watch(List.of(p0), fired::incrementAndGet);
        cancelled.cancel();
        append((short) 1, new Partitions.Write(p0, batch("d")));
        assertThat(fired).hasValue(1);
    }

    @Test
    void leadershipIsFirstHandWhereTheGroupIsHostedAndReportedElsewhere() {
        LeadershipView view = partitions.leadership();
        assertThat(view.state(orders, 0)).isEqualTo(new LeadershipView.PartitionState(1, 1, List.of(1), List.of(1)));
        assertThat(view.state(unplaced, 0).hasLeader()).as("its replica is not in place").isFalse();
        assertThat(view.state(orders, 7)).isEqualTo(new LeadershipView.PartitionState(-1, -1, List.of(), List.of()));

        String remote = UUID.nameUUIDFromBytes("remote".getBytes(StandardCharsets.UTF_8)).toString();
        TopicInfo elsewhere = new TopicInfo("elsewhere", Uuid.randomUuid(), 2, Map.of(), List.of(remote));
        image = image.toBuilder()
                .replicaGroups(Map.of(GROUP, new ReplicaGroupInfo(GROUP, List.of(1)), remote, new ReplicaGroupInfo(remote, List.of(2, 3))))
                .leadership(Map.of(remote, new LeaderReport(3, 7, List.of(2, 3))))
                .build();
        assertThat(partitions.leadership().state(elsewhere, 0))
                .isEqualTo(new LeadershipView.PartitionState(3, 7, List.of(2, 3), List.of(2, 3)));
        image = image.toBuilder().fenced(Set.of(3)).build();
        assertThat(partitions.leadership().state(elsewhere, 0).hasLeader()).as("a fenced leader").isFalse();

        assertThat(partitions.readyHere("orders")).isTrue();
        assertThat(partitions.readyHere("unplaced")).isFalse();
    }
}
