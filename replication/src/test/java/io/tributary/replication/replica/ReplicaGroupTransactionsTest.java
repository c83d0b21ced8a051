package io.tributary.replication.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.storage.AbortedTxn;
import io.tributary.storage.LogConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.ControlRecordType;
import org.apache.kafka.common.record.internal.EndTransactionMarker;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Transactions in a partition: the records and markers of Kafka's protocol, applied as Raft entries. */
class ReplicaGroupTransactionsTest {
    private static final PartitionKey KEY = new PartitionKey(Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ"), 0);
    private static final LogConfig LOG = new LogConfig(1 << 20, Long.MAX_VALUE, -1, -1, 4096, 1 << 16);
    private static final long NOW = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private ReplicaGroup group;
    private long term = 1;

    @BeforeEach
    void open() throws IOException {
        group = new ReplicaGroup("g", dir, overrides -> LOG, 60_000, key -> { });
        apply(new ReplicaGroupCommand.AddPartitions(List.of(new ReplicaGroupCommand.NewPartition(KEY, "t", Map.of()))));
    }

    @AfterEach
    void close() throws IOException {
        group.closeAll();
    }

    @Test
    void theLastStableOffsetWaitsForTheEarliestOpenTransactionAndAbortsAreIndexed() throws Exception {
        assertThat(produce(txn(7, 0, "a", "b")).offset()).isZero();
        assertThat(produce(plain("c")).offset()).isEqualTo(2);
        assertThat(produce(txn(8, 0, "d")).offset()).isEqualTo(3);
        assertThat(replica().lastStableOffset()).isZero();

        PartitionResult commit = marker(7, (short) 0, 1, true);
        assertThat(commit.error()).isEqualTo(Errors.NONE);
        assertThat(commit.offset()).isEqualTo(4);
        assertThat(replica().lastStableOffset()).isEqualTo(3);

        PartitionResult abort = marker(8, (short) 0, 1, false);
        assertThat(abort.offset()).isEqualTo(5);
        assertThat(replica().lastStableOffset()).isEqualTo(6).isEqualTo(replica().log().logEndOffset());
        assertThat(replica().log().abortedTxns(0, 6)).containsExactly(new AbortedTxn(8, 3, 5, 6));

        RecordBatch markerBatch = batchAt(5);
        assertThat(markerBatch.isControlBatch()).isTrue();
        assertThat(markerBatch.producerId()).isEqualTo(8);
        Record markerRecord = markerBatch.iterator().next();
        assertThat(ControlRecordType.parse(markerRecord.key())).isEqualTo(ControlRecordType.ABORT);
        assertThat(EndTransactionMarker.deserialize(markerRecord).coordinatorEpoch()).isEqualTo(1);
    }

    @Test
    void anAbortWhileAnotherTransactionIsOpenRecordsThatTransactionsStartAsTheStableOffset() throws Exception {
        produce(txn(7, 0, "a"));
        produce(txn(8, 0, "b"));
        marker(7, (short) 0, 0, false);
        assertThat(replica().log().abortedTxns(0, 3)).containsExactly(new AbortedTxn(7, 0, 2, 1));
        assertThat(replica().lastStableOffset()).isEqualTo(1);
    }

    @Test
    void aProducerWithAnOpenTransactionCannotWriteOutsideIt() throws Exception {
        produce(txn(7, 0, "a"));
        assertThat(produce(idempotent(7, 1, "b")).error()).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(produce(txn(7, 1, "b")).error()).isEqualTo(Errors.NONE);
        marker(7, (short) 0, 0, true);
        assertThat(produce(idempotent(7, 2, "c")).error()).isEqualTo(Errors.NONE);
    }

    @Test
    void markersFromAnOlderProducerEpochOrCoordinatorAreRefusedAndRepeatedOnesChangeNothing() throws Exception {
        produce(txn(7, 0, "a"));
        assertThat(marker(7, (short) 0, 3, true).error()).isEqualTo(Errors.NONE);
        assertThat(marker(7, (short) 0, 3, true).error()).as("sent again").isEqualTo(Errors.NONE);
        assertThat(marker(7, (short) 0, 2, true).error()).isEqualTo(Errors.TRANSACTION_COORDINATOR_FENCED);

        assertThat(marker(7, (short) 1, 3, false).error()).as("a fencing abort bumps the epoch").isEqualTo(Errors.NONE);
        assertThat(marker(7, (short) 0, 3, true).error()).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(produce(txn(7, 0, (short) 0, "late")).error()).isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(replica().log().abortedTxns(0, Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void aBatchVerifiedBeforeAMarkerCannotOpenATransactionAfterIt() throws Exception {
        assertThat(replica().txnView(7).lastMarkerOffset()).isEqualTo(-1);
        assertThat(produce(txn(7, 0, "a"), -1).error()).isEqualTo(Errors.NONE);
        // The leader verified the next batch while the producer's last marker was none; the abort came first.
        PartitionResult abort = marker(7, (short) 0, 0, false);
        assertThat(produce(txn(7, 1, "late"), -1).error()).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(replica().lastStableOffset()).as("nothing left open").isEqualTo(replica().log().logEndOffset());
        assertThat(replica().txnView(7).lastMarkerOffset()).isEqualTo(abort.offset());
        assertThat(produce(txn(7, 1, "next"), abort.offset()).error()).isEqualTo(Errors.NONE);
        assertThat(replica().txnView(7).open()).isTrue();
    }

    @Test
    void underProtocolVersion2TheEpochGuardsABatchInsteadOfTheLastMarker() throws Exception {
        assertThat(produce(txn(7, 0, (short) 0, "a"), ProducerStateTable.EPOCH_GUARDED).error()).isEqualTo(Errors.NONE);
        // The transaction ends with the next epoch; the next one's first batch may have been added before
        // that marker reached the partition.
        marker(7, (short) 1, 0, true);
        assertThat(produce(txn(7, 0, (short) 1, "b"), ProducerStateTable.EPOCH_GUARDED).error()).isEqualTo(Errors.NONE);
        assertThat(replica().txnView(7).open()).isTrue();
        // Its own transaction is aborted (epoch 2): a late batch of it is refused for its epoch.
        marker(7, (short) 2, 0, false);
        assertThat(produce(txn(7, 1, (short) 1, "late"), ProducerStateTable.EPOCH_GUARDED).error())
                .isEqualTo(Errors.INVALID_PRODUCER_EPOCH);
        assertThat(replica().txnView(7).open()).isFalse();
    }

    @Test
    void underProtocolVersion2ATransactionsBatchesStartAtSequence0() throws Exception {
        // The batch with sequence 0 was held back (its partition was not added yet); the next one came first.
        assertThat(produce(txn(8, 5, (short) 0, "second"), ProducerStateTable.EPOCH_GUARDED).error())
                .isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(produce(txn(8, 0, (short) 0, "first"), ProducerStateTable.EPOCH_GUARDED).error()).isEqualTo(Errors.NONE);
        marker(8, (short) 1, 0, true);
        // The marker began epoch 1 here; its transaction's batches start again at 0.
        assertThat(produce(txn(8, 3, (short) 1, "late start"), ProducerStateTable.EPOCH_GUARDED).error())
                .isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        assertThat(produce(txn(8, 0, (short) 1, "next"), ProducerStateTable.EPOCH_GUARDED).error()).isEqualTo(Errors.NONE);
    }

    @Test
    void recordsCannotBeDeletedPastAnOpenTransactionsFirstOffset() throws Exception {
        produce(plain("a", "b"));
        produce(txn(7, 0, "c"));
        produce(plain("d"));
        assertThat(deleteRecords(3).error()).isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
        PartitionResult all = deleteRecords(-1);
        assertThat(all.error()).isEqualTo(Errors.NONE);
        assertThat(all.offset()).isEqualTo(2);
        marker(7, (short) 0, 0, true);
        assertThat(deleteRecords(4).offset()).isEqualTo(4);
    }

    @Test
    void openTransactionsSurviveASnapshotAndAreNeverExpired() throws Exception {
        produce(txn(7, 0, "a"));
        produce(txn(8, 0, "b"));
        marker(8, (short) 0, 0, false);
        Path snapshot = dir.resolve("snapshot");
        ByteBuffer bytes = group.snapshot();
        Files.write(snapshot, java.util.Arrays.copyOfRange(bytes.array(), bytes.arrayOffset() + bytes.position(),
                bytes.arrayOffset() + bytes.limit()));
        group.loadSnapshot(snapshot);

        assertThat(replica().lastStableOffset()).isZero();
        assertThat(replica().log().abortedTxns(0, Long.MAX_VALUE)).containsExactly(new AbortedTxn(8, 1, 2, 0));
        replica().producers().expire(Long.MAX_VALUE);
        assertThat(replica().describeProducers()).extracting(ProducerStateTable.ProducerView::producerId).containsExactly(7L);
        assertThat(replica().describeProducers().get(0).txnFirstOffset()).isZero();
        assertThat(marker(7, (short) 0, 0, true).offset()).isEqualTo(3);
        assertThat(replica().lastStableOffset()).isEqualTo(4);
    }

    private PartitionReplica replica() {
        return group.partition(KEY);
    }

    private List<PartitionResult> apply(ReplicaGroupCommand command) throws IOException {
        return PartitionResult.decodeAll(group.apply(term, ReplicaGroupCommand.encode(command)));
    }

    private PartitionResult produce(MemoryRecords records) throws IOException {
        return produce(records, ProducerStateTable.UNCHECKED);
    }

    private PartitionResult produce(MemoryRecords records, long expectedMarker) throws IOException {
        return apply(new ReplicaGroupCommand.Produce(NOW, List.of(new ReplicaGroupCommand.ProduceItem(KEY, false,
                expectedMarker, records.buffer())))).get(0);
    }

    private PartitionResult marker(long producerId, short epoch, int coordinatorEpoch, boolean commit) throws IOException {
        return apply(new ReplicaGroupCommand.WriteMarkers(NOW, List.of(new ReplicaGroupCommand.Marker(KEY, producerId,
                epoch, coordinatorEpoch, commit)))).get(0);
    }

    private PartitionResult deleteRecords(long offset) throws IOException {
        return apply(new ReplicaGroupCommand.DeleteRecords(List.of(KEY), List.of(offset))).get(0);
    }

    private RecordBatch batchAt(long offset) throws Exception {
        ByteBuffer bytes = replica().log().read(offset, Integer.MAX_VALUE, Long.MAX_VALUE, true).read();
        return MemoryRecords.readableRecords(bytes).batches().iterator().next();
    }

    private static MemoryRecords plain(String... values) {
        return MemoryRecords.withRecords(Compression.NONE, records(values));
    }

    private static MemoryRecords idempotent(long producerId, int sequence, String... values) {
        return MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, (short) 0, sequence, records(values));
    }

    private static MemoryRecords txn(long producerId, int sequence, String... values) {
        return txn(producerId, sequence, (short) 0, values);
    }

    private static MemoryRecords txn(long producerId, int sequence, short epoch, String... values) {
        return MemoryRecords.withTransactionalRecords(Compression.NONE, producerId, epoch, sequence, records(values));
    }

    private static SimpleRecord[] records(String... values) {
        SimpleRecord[] out = new SimpleRecord[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = new SimpleRecord(NOW, values[i].getBytes());
        }
        return out;
    }
}
