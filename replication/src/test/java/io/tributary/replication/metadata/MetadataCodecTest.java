package io.tributary.replication.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tributary.replication.codec.MalformedEncodingException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The metadata group's entries, replies and snapshots round-trip, and damaged bytes never decode. */
class MetadataCodecTest {
    private static final List<MetadataCommand> EVERY_KIND = List.of(
            new MetadataCommand.RegisterBroker(new BrokerInfo(3, "127.0.0.1", 9094, "127.0.0.1:19094"), "cluster-1"),
            new MetadataCommand.CreateTopic("orders", Uuid.randomUuid(), 6, 3, Map.of("retention.ms", "1000"), 4),
            new MetadataCommand.DeleteTopic("orders"),
            new MetadataCommand.CreatePartitions("orders", 12, 4),
            new MetadataCommand.SetTopicConfigs("orders", Map.of("cleanup.policy", "compact")),
            new MetadataCommand.AllocateProducerIds(2, 1000),
            new MetadataCommand.ReportLeader("group-1", 2, 5, List.of(1, 2)),
            new MetadataCommand.FenceBroker(3, true));

    @Test
    void everyKindOfEntryRoundTrips() {
        for (MetadataCommand command : EVERY_KIND) {
            ByteBuffer encoded = MetadataCommand.encode(command);
            assertThat(encoded.getShort(0)).isEqualTo((short) MetadataCommand.VERSION);
            assertThat(MetadataCommand.decode(encoded)).isEqualTo(command);
        }
    }

    @Test
    void damagedEntriesFailWithoutDecoding() {
        for (MetadataCommand command : EVERY_KIND) {
            byte[] bytes = array(MetadataCommand.encode(command));
            for (int len = 0; len < bytes.length; len++) {
                ByteBuffer cut = ByteBuffer.wrap(Arrays.copyOf(bytes, len));
                assertThatThrownBy(() -> MetadataCommand.decode(cut)).isInstanceOf(MalformedEncodingException.class);
            }
            ByteBuffer newer = ByteBuffer.wrap(bytes.clone()).putShort(0, (short) 2);
            assertThatThrownBy(() -> MetadataCommand.decode(newer)).isInstanceOf(MalformedEncodingException.class);
        }
    }

    @Test
    void repliesRoundTrip() {
        MetadataResult result = new MetadataResult(Errors.TOPIC_ALREADY_EXISTS, "exists", 7);
        assertThat(MetadataResult.decode(result.encode())).isEqualTo(result);
        assertThat(MetadataResult.decode(MetadataResult.OK.encode())).isEqualTo(MetadataResult.OK);
    }

    @Test
    void snapshotsRoundTrip() {
        Uuid id = Uuid.randomUuid();
        MetadataImage image = new MetadataImage("cluster-1",
                Map.of(1, new BrokerInfo(1, "127.0.0.1", 9092, "127.0.0.1:19092"), 2, new BrokerInfo(2, "127.0.0.1", 9093, "127.0.0.1:19093")),
                Map.of("orders", new TopicInfo("orders", id, 2, Map.of("retention.ms", "5"), List.of("g1", "g2", "g1"))),
                Map.of("g1", new ReplicaGroupInfo("g1", List.of(1, 2)), "g2", new ReplicaGroupInfo("g2", List.of(2, 1))),
                2, 3000, Map.of("g1", new LeaderReport(1, 4, List.of(1, 2))), Set.of(2));

        MetadataImage decoded = ClusterMetadata.decode(ClusterMetadata.encode(image));
        assertThat(decoded.clusterId()).isEqualTo("cluster-1");
        assertThat(decoded.brokers()).isEqualTo(image.brokers());
        assertThat(decoded.topics()).isEqualTo(image.topics());
        assertThat(decoded.topic(id)).contains(image.topics().get("orders"));
        assertThat(decoded.replicaGroups()).isEqualTo(image.replicaGroups());
        assertThat(decoded.replicaGroupSequence()).isEqualTo(2);
        assertThat(decoded.nextProducerId()).isEqualTo(3000);
        assertThat(decoded.leadership()).isEqualTo(image.leadership());
        assertThat(decoded.fenced()).containsExactly(2);

        byte[] bytes = array(ClusterMetadata.encode(image));
        for (int len = 0; len < bytes.length; len += 7) {
            ByteBuffer cut = ByteBuffer.wrap(Arrays.copyOf(bytes, len));
            assertThatThrownBy(() -> ClusterMetadata.decode(cut)).isInstanceOf(MalformedEncodingException.class);
        }
    }

    private static byte[] array(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
