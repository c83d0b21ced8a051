package io.tributary.coordinator.txn;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.coordinator.runtime.CoordinatorRecord;
import io.tributary.coordinator.runtime.TestSink;
import io.tributary.coordinator.txn.TransactionCoordinatorShard.InitResult;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CoordinatorLoadInProgressException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Kafka's transaction protocol (version 1) on one shard, its records committed by an in-memory partition. */
class TransactionCoordinatorShardTest {
    private static final String ID = "app-1";
    private static final TopicPartition A = new TopicPartition("orders", 0);
    private static final TopicPartition B = new TopicPartition("orders", 1);
    private static final TransactionConfig CONFIG = new TransactionConfig(60_000, 3_600_000, 1_000, 60_000);

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AtomicLong nextProducerId = new AtomicLong(100);
    private final TestSink sink = new TestSink();
    private boolean producerIdsAtHand = true;
    private TransactionCoordinatorShard shard;

    @BeforeEach
    void create() {
        shard = newShard();
        sink.attach(shard);
    }

    private TransactionCoordinatorShard newShard() {
        return new TransactionCoordinatorShard(CONFIG, now::get, () -> {
            if (!producerIdsAtHand) {
                throw new CoordinatorLoadInProgressException("no producer ids at hand");
            }
            return nextProducerId.getAndIncrement();
        });
    }

    private InitResult init(String id) {
        return init(id, -1, (short) -1);
    }

    private InitResult init(String id, long producerId, short epoch) {
        return sink.run(shard.initProducerId(id, 10_000, producerId, epoch)).join();
    }

    private Errors add(InitResult producer, TopicPartition... partitions) {
        return sink.run(shard.addPartitions(ID, producer.producerId(), producer.producerEpoch(), Set.of(partitions))).join();
    }

    private Errors end(InitResult producer, boolean commit) {
        return sink.run(shard.endTxn(ID, producer.producerId(), producer.producerEpoch(), commit)).join();
    }

    private Errors completeMarkers() {
        Errors last = Errors.NONE;
        for (TransactionMetadata m : shard.preparing()) {
            last = sink.run(shard.complete(m.transactionalId(), m.producerId(), m.producerEpoch())).join();
        }
        return last;
    }

    private TransactionState state() {
        return shard.describe(ID).orElseThrow().state();
    }

    @Test
    void aNewTransactionalIdGetsAProducerIdAndEachInitBumpsTheEpoch() {
        InitResult first = init(ID);
        assertThat(first).isEqualTo(new InitResult(Errors.NONE, 100, (short) 0));
        InitResult second = init(ID);
        assertThat(second).isEqualTo(new InitResult(Errors.NONE, 100, (short) 1));
        assertThat(state()).isEqualTo(TransactionState.EMPTY);
        assertThat(add(first, A)).as("the first instance is fenced").isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(init("another").producerId()).isEqualTo(101);
    }

    @Test
    void commitGoesThroughPrepareAndCompletesOnceTheMarkersAreWritten() {
        InitResult p = init(ID);
        assertThat(add(p, A)).isEqualTo(Errors.NONE);
        assertThat(add(p, B)).isEqualTo(Errors.NONE);
        assertThat(add(p, A, B)).as("nothing new: nothing written").isEqualTo(Errors.NONE);
        int writes = sink.appends;
        assertThat(add(p, A)).isEqualTo(Errors.NONE);
        assertThat(sink.appends).isEqualTo(writes);
        assertThat(shard.describe(ID).orElseThrow().partitions()).containsExactlyInAnyOrder(A, B);

        assertThat(end(p, true)).isEqualTo(Errors.NONE);
        assertThat(state()).isEqualTo(TransactionState.PREPARE_COMMIT);
        assertThat(shard.preparing()).extracting(TransactionMetadata::transactionalId).containsExactly(ID);
        assertThat(end(p, true)).as("asked again while the markers are written").isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(end(p, false)).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(add(p, A)).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(init(ID).error()).isEqualTo(Errors.CONCURRENT_TRANSACTIONS);

        completeMarkers();
        assertThat(state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
        assertThat(shard.describe(ID).orElseThrow().partitions()).isEmpty();
        assertThat(end(p, true)).as("a retried commit").isEqualTo(Errors.NONE);
        assertThat(end(p, false)).isEqualTo(Errors.INVALID_TXN_STATE);

        assertThat(add(p, B)).as("the next transaction").isEqualTo(Errors.NONE);
        assertThat(shard.describe(ID).orElseThrow().partitions()).containsExactly(B);
    }

    @Test
    void endingWithoutATransactionIsAnInvalidState() {
        InitResult p = init(ID);
        assertThat(end(p, true)).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(end(p, false)).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(sink.run(shard.endTxn("unknown", 5, (short) 0, true)).join()).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
        assertThat(sink.run(shard.endTxn(ID, p.producerId() + 1, (short) 0, true)).join()).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
    }

    @Test
    void aNewInstanceFencesTheRunningOneAndAbortsItsTransaction() {
        InitResult old = init(ID);
        add(old, A);
        InitResult refused = init(ID);
        assertThat(refused.error()).as("retry once the abort is done").isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        TransactionMetadata aborting = shard.describe(ID).orElseThrow();
        assertThat(aborting.state()).isEqualTo(TransactionState.PREPARE_ABORT);
        assertThat(aborting.producerEpoch()).as("the abort markers carry the next epoch").isEqualTo((short) 1);
        assertThat(end(old, true)).isEqualTo(Errors.PRODUCER_FENCED);

        completeMarkers();
        InitResult fresh = init(ID);
        assertThat(fresh).isEqualTo(new InitResult(Errors.NONE, old.producerId(), (short) 2));
        assertThat(add(old, A)).isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void timedOutTransactionsAreAbortedAndTheirProducerFenced() {
        InitResult p = init(ID);
        add(p, A);
        now.addAndGet(10_000);
        assertThat(shard.abortTimedOut()).as("not yet").isEmpty();
        now.addAndGet(1);
        List<CoordinatorRecord> records = shard.abortTimedOut();
        assertThat(records).hasSize(1);
        assertThat(shard.abortTimedOut()).as("already being aborted").isEmpty();
        sink.writeTimerRecords(records);
        assertThat(state()).isEqualTo(TransactionState.PREPARE_ABORT);
        completeMarkers();
        assertThat(state()).isEqualTo(TransactionState.COMPLETE_ABORT);
        assertThat(end(p, true)).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(init(ID, p.producerId(), p.producerEpoch()).error())
                .as("its own epoch bump (KIP-360) is no retry of the fence").isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(init(ID).producerEpoch()).isEqualTo((short) 2);
    }

    @Test
    void aProducerBumpingItsOwnEpochIsRecognisedAndARetriedBumpAnsweredAgain() {
        InitResult p = init(ID);
        InitResult bumped = init(ID, p.producerId(), p.producerEpoch());
        assertThat(bumped).isEqualTo(new InitResult(Errors.NONE, p.producerId(), (short) 1));
        assertThat(init(ID, p.producerId(), p.producerEpoch())).as("the same bump retried").isEqualTo(bumped);
        assertThat(init(ID, p.producerId() + 7, (short) 0).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(init(ID, p.producerId(), (short) 9).error()).isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void anExhaustedEpochGetsANewProducerId() {
        TransactionMetadata worn = new TransactionMetadata(ID, 100, -1, TransactionMetadata.EXHAUSTED_EPOCH, (short) 0,
                10_000, TransactionState.COMPLETE_COMMIT, Set.of(), -1, now.get(), -1);
        shard.replay(TransactionRecords.record(worn));
        nextProducerId.set(500);
        InitResult renewed = init(ID, 100, TransactionMetadata.EXHAUSTED_EPOCH);
        assertThat(renewed).isEqualTo(new InitResult(Errors.NONE, 500, (short) 0));
        assertThat(init(ID, 100, TransactionMetadata.EXHAUSTED_EPOCH)).as("retried with the old id").isEqualTo(renewed);
    }

    @Test
    void timeoutsAreBoundedAndProducerIdsMayNotBeAtHand() {
        assertThat(sink.run(shard.initProducerId(ID, 60_001, -1, (short) -1)).join().error())
                .isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
        assertThat(sink.run(shard.initProducerId(ID, 0, -1, (short) -1)).join().error())
                .isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
        producerIdsAtHand = false;
        assertThat(init(ID).error()).isEqualTo(Errors.COORDINATOR_LOAD_IN_PROGRESS);
        assertThat(shard.describe(ID)).isEmpty();
    }

    @Test
    void verificationAnswersPerPartitionWithoutWriting() {
        InitResult p = init(ID);
        add(p, A);
        int writes = sink.appends;
        assertThat(shard.verify(ID, p.producerId(), p.producerEpoch(), List.of(A, B)))
                .isEqualTo(Map.of(A, Errors.NONE, B, Errors.TRANSACTION_ABORTABLE));
        assertThat(shard.verify(ID, p.producerId(), (short) (p.producerEpoch() - 1), List.of(A)))
                .isEqualTo(Map.of(A, Errors.PRODUCER_FENCED));
        assertThat(shard.verify("unknown", p.producerId(), p.producerEpoch(), List.of(A)))
                .isEqualTo(Map.of(A, Errors.INVALID_PRODUCER_ID_MAPPING));
        end(p, false);
        assertThat(shard.verify(ID, p.producerId(), p.producerEpoch(), List.of(A)))
                .isEqualTo(Map.of(A, Errors.CONCURRENT_TRANSACTIONS));
        assertThat(sink.appends).isEqualTo(writes + 1);
    }

    @Test
    void aFailedWriteLeavesTheStateAndFreesTheId() {
        InitResult p = init(ID);
        sink.failNext(new NotLeaderOrFollowerException("moved"));
        assertThat(add(p, A)).isEqualTo(Errors.NOT_COORDINATOR);
        assertThat(state()).isEqualTo(TransactionState.EMPTY);
        assertThat(add(p, A)).isEqualTo(Errors.NONE);

        sink.hold();
        var commit = sink.run(shard.endTxn(ID, p.producerId(), p.producerEpoch(), true));
        assertThat(end(p, true)).as("while the first is written").isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        sink.release();
        assertThat(commit.join()).isEqualTo(Errors.NONE);
    }

    @Test
    void idleTransactionalIdsExpireAndAReloadedShardKnowsWhatTheRecordsSay() {
        InitResult p = init(ID);
        add(p, A);
        init("idle");
        now.addAndGet(3_600_001);
        List<CoordinatorRecord> tombstones = shard.expireIds();
        assertThat(tombstones).hasSize(1);
        sink.writeTimerRecords(tombstones);
        assertThat(shard.describe("idle")).isEmpty();

        TransactionCoordinatorShard reloaded = newShard();
        sink.log.forEach(reloaded::replay);
        assertThat(reloaded.transactions()).containsExactlyInAnyOrderElementsOf(shard.transactions());
        TransactionCoordinatorShard compacted = newShard();
        shard.liveRecords().forEach(compacted::replay);
        assertThat(compacted.transactions()).containsExactlyInAnyOrderElementsOf(shard.transactions());
    }
}
