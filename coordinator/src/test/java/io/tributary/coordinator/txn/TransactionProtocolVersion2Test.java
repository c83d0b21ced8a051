package io.tributary.coordinator.txn;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.coordinator.runtime.TestSink;
import io.tributary.coordinator.txn.TransactionCoordinatorShard.InitResult;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Transaction protocol version 2 on one shard (EndTxn v5): every transaction ends with the next epoch,
 * retries are recognised by the epoch before it, and the largest epoch hands out a new producer id.
 */
class TransactionProtocolVersion2Test {
    private static final String ID = "app-2";
    private static final TopicPartition A = new TopicPartition("orders", 0);
    private static final TransactionConfig CONFIG = new TransactionConfig(60_000, 3_600_000, 1_000, 60_000);

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AtomicLong nextProducerId = new AtomicLong(100);
    private final TestSink sink = new TestSink();
    private TransactionCoordinatorShard shard;

    @BeforeEach
    void create() {
        shard = new TransactionCoordinatorShard(CONFIG, now::get, nextProducerId::getAndIncrement);
        sink.attach(shard);
    }

    private InitResult init() {
        return sink.run(shard.initProducerId(ID, 10_000, -1, (short) -1)).join();
    }

    private Errors add(long producerId, int epoch) {
        return sink.run(shard.addPartitions(ID, producerId, (short) epoch, Set.of(A))).join();
    }

    private InitResult end(long producerId, int epoch, boolean commit) {
        return sink.run(shard.endTxnWithNextEpoch(ID, producerId, (short) epoch, commit)).join();
    }

    private void completeMarkers() {
        for (TransactionMetadata m : shard.preparing()) {
            sink.run(shard.complete(m.transactionalId(), m.producerId(), m.producerEpoch())).join();
        }
    }

    private TransactionMetadata metadata() {
        return shard.describe(ID).orElseThrow();
    }

    @Test
    void aCommitEndsWithTheNextEpochWhichTheMarkersAndTheNextTransactionCarry() {
        assertThat(init()).isEqualTo(new InitResult(Errors.NONE, 100, (short) 0));
        assertThat(add(100, 0)).isEqualTo(Errors.NONE);

        assertThat(end(100, 0, true)).isEqualTo(new InitResult(Errors.NONE, 100, (short) 1));
        assertThat(shard.preparing()).singleElement().satisfies(m -> {
            assertThat(m.state()).isEqualTo(TransactionState.PREPARE_COMMIT);
            assertThat(m.producerEpoch()).as("the markers' epoch").isEqualTo((short) 1);
            assertThat(m.partitions()).containsExactly(A);
        });
        completeMarkers();

        assertThat(add(100, 0)).as("the old epoch").isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(add(100, 1)).isEqualTo(Errors.NONE);
        assertThat(metadata().state()).isEqualTo(TransactionState.ONGOING);
    }

    @Test
    void aRetriedEndTxnGetsTheFirstAnswer() {
        init();
        add(100, 0);
        end(100, 0, true);

        assertThat(end(100, 0, true).error()).as("retried while the markers are written")
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        assertThat(end(100, 0, false).error()).as("the other decision").isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(end(100, 1, false).error()).as("the next transaction's, before the markers are written")
                .isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        completeMarkers();

        assertThat(end(100, 0, true)).as("retried once complete").isEqualTo(new InitResult(Errors.NONE, 100, (short) 1));
        assertThat(end(100, 0, false).error()).isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(end(100, 1, true).error()).as("a commit with nothing running").isEqualTo(Errors.INVALID_TXN_STATE);
        assertThat(end(100, 5, true).error()).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(end(999, 0, true).error()).isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
    }

    @Test
    void anAbortWithNothingRunningEndsAnEmptyTransaction() {
        init();
        assertThat(end(100, 0, false)).isEqualTo(new InitResult(Errors.NONE, 100, (short) 1));
        assertThat(shard.preparing()).singleElement().satisfies(m -> assertThat(m.partitions()).isEmpty());
        completeMarkers();
        assertThat(metadata().state()).isEqualTo(TransactionState.COMPLETE_ABORT);
        assertThat(end(100, 1, true).error()).isEqualTo(Errors.INVALID_TXN_STATE);
    }

    @Test
    void aProducerWhoseTransactionTimedOutIsFenced() {
        init();
        add(100, 0);
        now.addAndGet(10_001);
        sink.writeTimerRecords(shard.abortTimedOut());
        completeMarkers();
        assertThat(metadata().state()).isEqualTo(TransactionState.COMPLETE_ABORT);

        assertThat(add(100, 0)).isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(end(100, 0, false).error()).as("its abort is no retry of the coordinator's")
                .isEqualTo(Errors.PRODUCER_FENCED);
        assertThat(end(100, 0, true).error()).isEqualTo(Errors.PRODUCER_FENCED);
    }

    @Test
    void theLargestEpochHandsOutANewProducerIdOnceTheMarkersAreWritten() {
        short last = TransactionMetadata.EXHAUSTED_EPOCH;
        shard.replay(TransactionRecords.record(new TransactionMetadata(ID, 100, -1, last, (short) (last - 1), 10_000,
                TransactionState.ONGOING, Set.of(A), now.get(), now.get(), -1)));
        nextProducerId.set(500);

        assertThat(end(100, last, true)).isEqualTo(new InitResult(Errors.NONE, 500, (short) 0));
        assertThat(shard.preparing()).singleElement().satisfies(m -> {
            assertThat(m.producerId()).as("the markers' producer id").isEqualTo(100);
            assertThat(m.producerEpoch()).isEqualTo(Short.MAX_VALUE);
        });
        assertThat(add(500, 0)).as("before the markers are written").isEqualTo(Errors.CONCURRENT_TRANSACTIONS);
        completeMarkers();

        assertThat(metadata().producerId()).isEqualTo(500);
        assertThat(end(100, last, true)).as("retried with the old id").isEqualTo(new InitResult(Errors.NONE, 500, (short) 0));
        assertThat(add(500, 0)).isEqualTo(Errors.NONE);
        TransactionMetadata m = metadata();
        assertThat(TransactionRecords.decodeValue(ID, TransactionRecords.record(m).value())).isEqualTo(m);
    }
}
