package io.tributary.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.replication.replica.ReplicaGroupCommand;
import io.tributary.replication.replica.PartitionReplica;
import io.tributary.replication.replica.PartitionResult;
import io.tributary.replication.metadata.MetadataResult;
import io.tributary.storage.LogConfig;
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
        Replication replication = new Replication(config, overrides -> LogConfig.from(overrides, LogConfig.DEFAULTS), 86_400_000L);
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
            Partitions.Location loc = r.partitions().locate("orders", 1).orElseThrow();
            awaitReplica(r, loc);
            assertThat(r.partitions().isLeader(loc)).isTrue();

            List<PartitionResult> first = produce(r, loc, batch(7, 0, "a", "b"));
            assertThat(first.get(0).error()).isEqualTo(Errors.NONE);
            assertThat(first.get(0).offset()).isZero();
            assertThat(produce(r, loc, batch(7, 2, "c")).get(0).offset()).isEqualTo(2);
            assertThat(produce(r, loc, batch(7, 0, "a", "b")).get(0).offset()).as("duplicate").isZero();
            assertThat(produce(r, loc, batch(7, 9, "x")).get(0).error()).isEqualTo(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
            assertThat(r.partitions().replica(loc).orElseThrow().log().logEndOffset()).isEqualTo(3);
        }
        try (Replication r = start()) {
            Partitions.Location loc = r.partitions().locate("orders", 1).orElseThrow();
            awaitReplica(r, loc);
            PartitionReplica replica = r.partitions().replica(loc).orElseThrow();
            assertThat(replica.log().logEndOffset()).isEqualTo(3);
            awaitLeader(r, loc);
            assertThat(produce(r, loc, batch(7, 2, "c")).get(0).offset()).as("duplicate after restart").isEqualTo(2);
            assertThat(produce(r, loc, batch(7, 3, "d")).get(0).offset()).isEqualTo(3);
            assertThat(replica.epochs().latestEpoch()).isGreaterThan(1);
        }
    }

    private static List<PartitionResult> produce(Replication r, Partitions.Location loc, ByteBuffer batch) throws Exception {
        return r.partitions().produce(loc.raftGroup(), System.currentTimeMillis(),
                List.of(new ReplicaGroupCommand.ProduceItem(loc.key(), false, batch))).get(10, TimeUnit.SECONDS);
    }

    private static void awaitReplica(Replication r, Partitions.Location loc) throws InterruptedException {
        for (int i = 0; i < 200 && r.partitions().replica(loc).isEmpty(); i++) {
            Thread.sleep(50);
        }
        assertThat(r.partitions().replica(loc)).isPresent();
    }

    private static void awaitLeader(Replication r, Partitions.Location loc) throws InterruptedException {
        for (int i = 0; i < 200 && !r.partitions().isLeader(loc); i++) {
            Thread.sleep(50);
        }
    }
}
