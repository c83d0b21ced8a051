package io.tributary.coordinator.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.coordinator.runtime.CoordinatorRecord;
import io.tributary.replication.codec.MalformedEncodingException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The records of {@code __transaction_state} round-trip, and damaged bytes never decode. */
class TransactionRecordsTest {
    private static final TransactionMetadata ONGOING = new TransactionMetadata("app-1", 42, 7, (short) 3, (short) 2, 60_000,
            TransactionState.ONGOING, Set.of(new TopicPartition("b", 1), new TopicPartition("a", 0), new TopicPartition("b", 0)),
            1_700_000_000_000L, 1_700_000_000_500L, 43);

    @Test
    void metadataRoundTripsInEveryState() {
        for (TransactionState state : TransactionState.values()) {
            TransactionMetadata m = new TransactionMetadata("id-" + state, 1, -1, (short) 0, (short) -1, 1, state, Set.of(),
                    -1, 5, -1);
            CoordinatorRecord r = TransactionRecords.record(m);
            String id = TransactionRecords.decodeKey(r.key());
            assertThat(TransactionRecords.decodeValue(id, r.value())).isEqualTo(m);
        }
        CoordinatorRecord r = TransactionRecords.record(ONGOING);
        assertThat(TransactionRecords.decodeValue("app-1", r.value())).isEqualTo(ONGOING);
        assertThat(TransactionRecords.tombstone("app-1").isTombstone()).isTrue();
        assertThat(TransactionRecords.decodeKey(TransactionRecords.tombstone("app-1").key())).isEqualTo("app-1");
    }

    @Test
    void damagedRecordsFailWithoutDecoding() {
        byte[] value = bytes(TransactionRecords.record(ONGOING).value());
        for (int len = 0; len < value.length; len++) {
            ByteBuffer cut = ByteBuffer.wrap(Arrays.copyOf(value, len));
            assertThatThrownBy(() -> TransactionRecords.decodeValue("app-1", cut)).isInstanceOf(MalformedEncodingException.class);
        }
        ByteBuffer longer = ByteBuffer.wrap(Arrays.copyOf(value, value.length + 1));
        assertThatThrownBy(() -> TransactionRecords.decodeValue("app-1", longer)).isInstanceOf(MalformedEncodingException.class);
        byte[] badState = value.clone();
        badState[2 + 8 + 8 + 2 + 2 + 4] = 42;
        assertThatThrownBy(() -> TransactionRecords.decodeValue("app-1", ByteBuffer.wrap(badState)))
                .isInstanceOf(MalformedEncodingException.class).hasMessageContaining("42");
        byte[] key = bytes(TransactionRecords.record(ONGOING).key());
        for (int len = 0; len < key.length; len++) {
            ByteBuffer cut = ByteBuffer.wrap(Arrays.copyOf(key, len));
            assertThatThrownBy(() -> TransactionRecords.decodeKey(cut)).isInstanceOf(MalformedEncodingException.class);
        }
    }

    @Test
    void aVersion1ValueHasNoNextProducerId() {
        TransactionMetadata m = new TransactionMetadata("app-1", 42, 7, (short) 3, (short) 2, 60_000,
                TransactionState.COMPLETE_COMMIT, Set.of(), 1_700_000_000_000L, 1_700_000_000_500L, -1);
        byte[] v2 = bytes(TransactionRecords.record(m).value());
        int nextProducerIdAt = 2 + 8 + 8 + 2 + 2 + 4 + 1 + 8 + 8;
        ByteBuffer v1 = ByteBuffer.allocate(v2.length - 8);
        v1.putShort((short) 1).put(v2, 2, nextProducerIdAt - 2).put(v2, nextProducerIdAt + 8, v2.length - nextProducerIdAt - 8).flip();
        assertThat(TransactionRecords.decodeValue("app-1", v1)).isEqualTo(m);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
