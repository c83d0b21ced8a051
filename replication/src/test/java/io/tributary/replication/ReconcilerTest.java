package io.tributary.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.tributary.replication.metadata.BrokerInfo;
import io.tributary.replication.metadata.MetadataCommand;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.ReplicaGroupInfo;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.replication.replica.PartitionKey;
import io.tributary.replication.replica.ReplicaGroupCommand;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

/** The Reconciler's decisions, as pure functions of the metadata and what this broker has. */
class ReconcilerTest {
    private static final Uuid TOPIC = Uuid.randomUuid();

    private static BrokerInfo broker(int id) {
        return new BrokerInfo(id, "127.0.0.1", 9091 + id, "127.0.0.1:" + (19091 + id));
    }

    private final MetadataImage image = MetadataImage.EMPTY.toBuilder()
            .brokers(Map.of(1, broker(1), 2, broker(2)))
            .replicaGroups(Map.of("g1", new ReplicaGroupInfo("g1", List.of(1, 2)), "g2", new ReplicaGroupInfo("g2", List.of(2, 1)),
                    "g3", new ReplicaGroupInfo("g3", List.of(2, 3)), "g4", new ReplicaGroupInfo("g4", List.of(1, 3))))
            .topics(Map.of("t", new TopicInfo("t", TOPIC, 2, Map.of("retention.ms", "9"), List.of("g1", "g2", "g1"))))
            .build();

    @Test
    void aBrokerHostsTheGroupsItBelongsToOnceEveryMemberHasRegistered() {
        assertThat(Reconciler.groupsToHost(image, 1, id -> false)).extracting(ReplicaGroupInfo::id)
                .as("g4 waits for broker 3").containsExactlyInAnyOrder("g1", "g2");
        assertThat(Reconciler.groupsToHost(image, 1, "g1"::equals)).extracting(ReplicaGroupInfo::id).containsExactly("g2");
        assertThat(Reconciler.groupsToHost(image, 3, id -> false)).isEmpty();
    }

    @Test
    void partitionsAreAddedWhereTheMetadataPlacesThemAndRemovedWhenItNoLongerDoes() {
        Map<String, Map<PartitionKey, ReplicaGroupCommand.NewPartition>> expected = Reconciler.expectedPartitions(image);
        PartitionKey p0 = new PartitionKey(TOPIC, 0);
        PartitionKey p1 = new PartitionKey(TOPIC, 1);
        PartitionKey p2 = new PartitionKey(TOPIC, 2);
        assertThat(expected.get("g1")).containsOnlyKeys(p0, p2);
        assertThat(expected.get("g2")).containsOnlyKeys(p1);
        assertThat(expected.get("g1").get(p0)).isEqualTo(new ReplicaGroupCommand.NewPartition(p0, "t", Map.of("retention.ms", "9")));

        PartitionKey gone = new PartitionKey(Uuid.randomUuid(), 0);
        assertThat(Reconciler.partitionChange(Set.of(p0, gone), expected.get("g1")))
                .as("adding comes first").isEqualTo(new ReplicaGroupCommand.AddPartitions(List.of(expected.get("g1").get(p2))));
        assertThat(Reconciler.partitionChange(Set.of(p0, p2, gone), expected.get("g1")))
                .isEqualTo(new ReplicaGroupCommand.RemovePartitions(List.of(gone)));
        assertThat(Reconciler.partitionChange(Set.of(p0, p2), expected.get("g1"))).isNull();
    }

    @Test
    void theMetadataLeaderFencesWhomItCannotReachAndUnfencesWhoIsBack() {
        MetadataImage withFenced = image.toBuilder().fenced(Set.of(2)).build();
        assertThat(Reconciler.fencingChanges(withFenced, Set.of(1))).containsExactlyInAnyOrder(
                new MetadataCommand.FenceBroker(1, true), new MetadataCommand.FenceBroker(2, false));
        assertThat(Reconciler.fencingChanges(withFenced, Set.of(2))).isEmpty();
        assertThat(Reconciler.fencingChanges(image, Set.of(7))).as("not a registered broker").isEmpty();
    }
}
