package io.tributary.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.replication.metadata.MetadataResult;
import io.tributary.replication.partition.AppendOrigin;
import io.tributary.replication.partition.AppendResult;
import io.tributary.replication.partition.PartitionLeader;
import io.tributary.replication.partition.Partitions;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A single-broker replication layer on a real Ratis server: topics, produce, restart. */
class ReplicationTest {
    @TempDir
    Path dir;

    private Replication start() throws Exception {
        ReplicationConfig config = new ReplicationConfig(1, "127.0.0.1", 0, dir, Map.of(1, "127.0.0.1:0"), 2, 30_000, null, Map.of());
        Replication replication = new Replication(config, overrides -> overrides, 86_400_000L);
        replication.start("127.0.0.1", 9092, 30_000);
        return replication;
    }

    private static ByteBuffer batch(long producerId, int sequence, String... values) {
        MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(1024), (byte) 2, Compression.NONE,
                TimestampType.CREATE_TIME, 0, System.currentTimeMillis(), producerId, (short) 0, sequence, false, -1);
        for (String v : values) {
            b.append(System.currentTimeMillis(), null, v.getBytes());
        }
        return b.build().buffer();
    }

    @Test
    void createsTopicsAppendsThroughRaftAndKeepsEverythingAcrossRestart() throws Exception {
        Uuid topicId = Uuid.randomUuid();
        try (Replication r = start()) {
            MetadataResult created = r.metadata().createTopic("orders", topicId, 3, 1, Map.of()).get(10, TimeUnit.SECONDS);
            assertThat(created.error()).isEqualTo(Errors.NONE);
            assertThat(r.metadata().createTopic("orders", Uuid.randomUuid(), 1, 1, Map.of()).get().error())
                    .isEqualTo(Errors.TOPIC_ALREADY_EXISTS);
            PartitionLeader leader = awaitLeader(r, "orders", 1);
            int firstEpoch = leader.leaderEpoch();

            AppendResult first = produce(r, leader, batch(7, 0, "a", "b"));
            assertThat(first.error()).isEqualTo(Errors.NONE);
            assertThat(first.baseOffset()).isZero();
            assertThat(produce(r, leader, batch(7, 2, "c")).baseOffset()).isEqualTo(2);
            assertThat(produce(r, leader, batch(7, 0, "a", "b")).baseOffset()).as("duplicate").isZero();
            assertThat(produce(r, leader, batch(7, 9, "x")).error()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
            assertThat(leader.highWatermark()).isEqualTo(3);
            assertThat(leader.endOffsetForEpoch(firstEpoch).endOffset()).isEqualTo(3);
        }
        try (Replication r = start()) {
            PartitionLeader leader = awaitLeader(r, "orders", 1);
            assertThat(leader.highWatermark()).isEqualTo(3);
            assertThat(produce(r, leader, batch(7, 2, "c")).baseOffset()).as("duplicate after restart").isEqualTo(2);
            assertThat(produce(r, leader, batch(7, 3, "d")).baseOffset()).isEqualTo(3);
            assertThat(leader.endOffsetForEpoch(Integer.MAX_VALUE).epoch()).isEqualTo(leader.leaderEpoch()).isGreaterThan(1);
        }
    }

    private static AppendResult produce(Replication r, PartitionLeader leader, ByteBuffer batch) throws Exception {
        return r.partitions().append(List.of(new Partitions.Write(leader, MemoryRecords.readableRecords(batch))),
                AppendOrigin.CLIENT, (short) -1, 10_000).get(10, TimeUnit.SECONDS).get(0);
    }

    private static PartitionLeader awaitLeader(Replication r, String topic, int partition) throws InterruptedException {
        Partitions.Lookup lookup = r.partitions().leader(topic, partition);
        for (int i = 0; i < 200 && !lookup.found(); i++) {
            Thread.sleep(50);
            lookup = r.partitions().leader(topic, partition);
        }
        assertThat(lookup.error()).isEqualTo(Errors.NONE);
        return lookup.leader();
    }
}
