package io.tributary.replication.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * Where the metadata fold places partitions: on a bounded number of replica groups per replication
 * factor, preferred leaders rotating over the brokers, each new partition on the least loaded group,
 * identically on every broker that applies the same entries.
 */
class PlacementTest {
    private static ClusterMetadata cluster(int brokers) {
        ClusterMetadata m = new ClusterMetadata();
        for (int id = 1; id <= brokers; id++) {
            m.apply(new MetadataCommand.RegisterBroker(new BrokerInfo(id, "127.0.0.1", 9091 + id, "127.0.0.1:" + (19091 + id)), "c"));
        }
        return m;
    }

    private static MetadataResult create(ClusterMetadata m, String topic, int partitions, int rf) {
        return m.apply(new MetadataCommand.CreateTopic(topic, Uuid.randomUuid(), partitions, rf, Map.of(), 2));
    }

    private static Map<String, Integer> load(MetadataImage image) {
        Map<String, Integer> load = new HashMap<>();
        image.topics().values().forEach(t -> t.partitionGroups().forEach(g -> load.merge(g, 1, Integer::sum)));
        return load;
    }

    @Test
    void groupsOfTheReplicationFactorRotateTheirPreferredLeader() {
        ClusterMetadata m = cluster(3);
        assertThat(create(m, "orders", 4, 3).error()).isEqualTo(Errors.NONE);
        MetadataImage image = m.image();

        assertThat(image.replicaGroups().values()).extracting(ReplicaGroupInfo::replicas)
                .as("3 brokers x 2 groups each / RF 3").containsExactlyInAnyOrder(List.of(1, 2, 3), List.of(2, 3, 1));
        assertThat(load(image).values()).containsExactlyInAnyOrder(2, 2);

        assertThat(create(m, "single", 6, 1).error()).isEqualTo(Errors.NONE);
        MetadataImage after = m.image();
        assertThat(after.replicaGroups()).hasSize(2 + 6);
        TopicInfo single = after.topics().get("single");
        assertThat(single.partitionGroups()).as("one partition on each RF 1 group").doesNotHaveDuplicates();
        assertThat(single.partitionGroups()).extracting(g -> after.replicaGroups().get(g).replicas().get(0))
                .containsOnly(1, 2, 3);
    }

    @Test
    void newPartitionsGoToTheLeastLoadedGroups() {
        ClusterMetadata m = cluster(3);
        create(m, "a", 3, 3);
        List<String> before = m.image().topics().get("a").partitionGroups();
        assertThat(load(m.image()).values()).containsExactlyInAnyOrder(2, 1);
        m.apply(new MetadataCommand.CreatePartitions("a", 4, 2));
        assertThat(load(m.image()).values()).containsExactlyInAnyOrder(2, 2);
        assertThat(m.image().topics().get("a").partitionGroups()).as("existing partitions stay").startsWith(before.toArray(String[]::new));
        create(m, "b", 5, 3);
        assertThat(load(m.image()).values()).containsExactlyInAnyOrder(5, 4);
    }

    @Test
    void everyBrokerPlacesTheSame() {
        Uuid id = Uuid.randomUuid();
        ClusterMetadata first = cluster(4);
        ClusterMetadata second = cluster(4);
        for (ClusterMetadata m : List.of(first, second)) {
            m.apply(new MetadataCommand.CreateTopic("t", id, 10, 2, Map.of(), 3));
            m.apply(new MetadataCommand.CreatePartitions("t", 13, 3));
        }
        assertThat(second.image().topics()).isEqualTo(first.image().topics());
        assertThat(second.image().replicaGroups()).isEqualTo(first.image().replicaGroups());
    }

    @Test
    void aReplicationFactorAboveTheBrokersIsRefused() {
        ClusterMetadata m = cluster(2);
        assertThat(create(m, "t", 1, 3).error()).isEqualTo(Errors.INVALID_REPLICATION_FACTOR);
        assertThat(m.image().topics()).isEmpty();
        assertThat(m.image().replicaGroups()).isEmpty();
    }
}
