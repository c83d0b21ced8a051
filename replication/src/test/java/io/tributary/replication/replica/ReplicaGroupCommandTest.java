package io.tributary.replication.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.replication.codec.MalformedEncodingException;
import io.tributary.storage.AbortedTxn;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The replica group's entries, replies and partition reads round-trip, and damaged bytes never decode. */
class ReplicaGroupCommandTest {
    private static final PartitionKey A = new PartitionKey(Uuid.randomUuid(), 0);
    private static final PartitionKey B = new PartitionKey(Uuid.randomUuid(), 7);

    private static final List<ReplicaGroupCommand> EVERY_KIND = List.of(
            new ReplicaGroupCommand.Produce(1_700_000_000_123L, List.of(
                    new ReplicaGroupCommand.ProduceItem(A, false, ProducerStateTable.UNCHECKED, ByteBuffer.wrap(new byte[] {1, 2, 3})),
                    new ReplicaGroupCommand.ProduceItem(B, true, 42L, ByteBuffer.wrap(new byte[0])))),
            new ReplicaGroupCommand.AddPartitions(List.of(new ReplicaGroupCommand.NewPartition(A, "orders", Map.of()),
                    new ReplicaGroupCommand.NewPartition(B, "payments", Map.of("retention.ms", "100", "cleanup.policy", "compact")))),
            new ReplicaGroupCommand.RemovePartitions(List.of(A, B)),
            new ReplicaGroupCommand.DeleteRecords(List.of(A, B), List.of(-1L, 42L)),
            new ReplicaGroupCommand.WriteMarkers(1_700_000_000_456L, List.of(
                    new ReplicaGroupCommand.Marker(A, 7L, (short) 3, 12, true),
                    new ReplicaGroupCommand.Marker(B, 8L, (short) 0, 0, false))));

    @Test
    void everyKindOfEntryRoundTrips() {
        for (ReplicaGroupCommand command : EVERY_KIND) {
            assertThat(ReplicaGroupCommand.decode(ReplicaGroupCommand.encode(command))).isEqualTo(command);
        }
    }

    @Test
    void everyEntryStartsWithItsFormatVersion() {
        for (ReplicaGroupCommand command : EVERY_KIND) {
            assertThat(ReplicaGroupCommand.encode(command).getShort(0)).isEqualTo((short) ReplicaGroupCommand.VERSION);
        }
    }

    @Test
    void damagedEntriesFailWithoutDecoding() {
        for (ReplicaGroupCommand command : EVERY_KIND) {
            byte[] bytes = array(ReplicaGroupCommand.encode(command));
            for (int len = 0; len < bytes.length; len++) {
                ByteBuffer cut = ByteBuffer.wrap(Arrays.copyOf(bytes, len));
                assertThatThrownBy(() -> ReplicaGroupCommand.decode(cut)).isInstanceOf(MalformedEncodingException.class);
            }
            ByteBuffer longer = ByteBuffer.wrap(Arrays.copyOf(bytes, bytes.length + 1));
            assertThatThrownBy(() -> ReplicaGroupCommand.decode(longer)).isInstanceOf(MalformedEncodingException.class);
            ByteBuffer newer = ByteBuffer.wrap(bytes.clone()).putShort(0, (short) (ReplicaGroupCommand.VERSION + 1));
            assertThatThrownBy(() -> ReplicaGroupCommand.decode(newer)).isInstanceOf(MalformedEncodingException.class)
                    .hasMessageContaining("version " + (ReplicaGroupCommand.VERSION + 1) + " is unknown");
        }
        ByteBuffer unknownType = ByteBuffer.allocate(3).putShort((short) 1).put((byte) 99).flip();
        assertThatThrownBy(() -> ReplicaGroupCommand.decode(unknownType)).hasMessageContaining("type 99");
    }

    @Test
    void repliesRoundTrip() {
        List<PartitionResult> results = List.of(new PartitionResult(Errors.NONE, null, 10, -1, 0),
                new PartitionResult(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, "gap", -1, -1, -1),
                new PartitionResult(Errors.NONE, null, 11, 1_700_000_000_000L, 3));
        assertThat(PartitionResult.decodeAll(PartitionResult.encodeAll(results))).isEqualTo(results);
        assertThat(PartitionResult.decodeAll(PartitionResult.encodeAll(List.of()))).isEmpty();
    }

    @Test
    void partitionReadsRoundTripAndDamagedOnesFail() {
        PartitionRead.Request request = new PartitionRead.Request(B, 12, 40, 1 << 20);
        assertThat(PartitionRead.Request.decode(request.encode())).isEqualTo(request);
        PartitionRead.Answer answer = new PartitionRead.Answer(Errors.NONE, 3, List.of(new AbortedTxn(7, 12, 15, 12)),
                ByteBuffer.wrap(new byte[] {9, 8, 7}));
        PartitionRead.Answer decoded = PartitionRead.Answer.decode(answer.encode());
        assertThat(decoded.error()).isEqualTo(Errors.NONE);
        assertThat(decoded.logStartOffset()).isEqualTo(3);
        assertThat(decoded.aborted()).isEqualTo(answer.aborted());
        assertThat(decoded.records()).isEqualTo(answer.records());
        assertThat(PartitionRead.Answer.decode(PartitionRead.Answer.error(Errors.OFFSET_OUT_OF_RANGE, 5).encode()).error())
                .isEqualTo(Errors.OFFSET_OUT_OF_RANGE);
        for (byte[] bytes : List.of(array(request.encode()), array(answer.encode()))) {
            for (int len = 0; len < bytes.length; len++) {
                ByteBuffer cut = ByteBuffer.wrap(Arrays.copyOf(bytes, len));
                assertThatThrownBy(() -> {
                    PartitionRead.Request.decode(cut.duplicate());
                    PartitionRead.Answer.decode(cut.duplicate());
                }).isInstanceOf(MalformedEncodingException.class);
            }
        }
    }

    private static byte[] array(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
