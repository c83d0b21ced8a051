package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that names a leader epoch gets Kafka's answer: FENCED_LEADER_EPOCH when its epoch is older
 * than the leader's (it missed an election), UNKNOWN_LEADER_EPOCH when it is newer (this broker has not
 * seen that election yet). Both make clients refresh their metadata and retry.
 */
class LeaderEpochTest {
    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension("leader-epoch");

    private static String topic;
    private static Uuid topicId;
    private static int epoch;

    @BeforeAll
    static void createTopic() throws IOException {
        topic = Clients.uniqueTopic("epochs");
        try (Admin admin = Clients.admin(BROKER.bootstrap())) {
            Clients.createTopic(admin, topic, 1);
        }
        try (RawConnection connection = new RawConnection(BROKER.broker().port())) {
            MetadataRequest request = new MetadataRequest.Builder(List.of(topic), false).build((short) 12);
            MetadataResponse response = (MetadataResponse) connection.receive(connection.send(request));
            MetadataResponseTopic t = response.data().topics().find(topic);
            MetadataResponsePartition p = t.partitions().get(0);
            topicId = t.topicId();
            epoch = p.leaderEpoch();
        }
        assertThat(epoch).as("leader epoch of a partition led by a Raft group").isPositive();
    }

    @Test
    void fetchChecksTheLeaderEpoch() throws IOException {
        assertThat(fetch(epoch - 1)).isEqualTo(Errors.FENCED_LEADER_EPOCH);
        assertThat(fetch(epoch + 1)).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
        assertThat(fetch(epoch)).isEqualTo(Errors.NONE);
        assertThat(fetch(-1)).as("no epoch given: no check").isEqualTo(Errors.NONE);
    }

    @Test
    void listOffsetsChecksTheLeaderEpoch() throws IOException {
        assertThat(listOffsets(epoch - 1)).isEqualTo(Errors.FENCED_LEADER_EPOCH);
        assertThat(listOffsets(epoch + 1)).isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
        assertThat(listOffsets(epoch)).isEqualTo(Errors.NONE);
    }

    private static Errors fetch(int currentLeaderEpoch) throws IOException {
        try (RawConnection connection = new RawConnection(BROKER.broker().port())) {
            short version = connection.maxVersion(connection.apiVersions(), ApiKeys.FETCH);
            TopicPartition tp = new TopicPartition(topic, 0);
            FetchRequest request = FetchRequest.Builder.forConsumer(version, 0, 0, Map.of(tp,
                    new FetchRequest.PartitionData(topicId, 0, -1, 1024 * 1024,
                            currentLeaderEpoch < 0 ? Optional.empty() : Optional.of(currentLeaderEpoch))))
                    .build(version);
            FetchResponse response = (FetchResponse) connection.receive(connection.send(request));
            return Errors.forCode(response.data().responses().get(0).partitions().get(0).errorCode());
        }
    }

    private static Errors listOffsets(int currentLeaderEpoch) throws IOException {
        try (RawConnection connection = new RawConnection(BROKER.broker().port())) {
            short version = connection.maxVersion(connection.apiVersions(), ApiKeys.LIST_OFFSETS);
            ListOffsetsRequest request = ListOffsetsRequest.Builder.forConsumer(false, IsolationLevel.READ_UNCOMMITTED)
                    .setTargetTimes(List.of(new ListOffsetsTopic().setName(topic).setPartitions(List.of(
                            new ListOffsetsPartition().setPartitionIndex(0).setCurrentLeaderEpoch(currentLeaderEpoch)
                                    .setTimestamp(ListOffsetsRequest.LATEST_TIMESTAMP)))))
                    .build(version);
            ListOffsetsResponse response = (ListOffsetsResponse) connection.receive(connection.send(request));
            return Errors.forCode(response.data().topics().get(0).partitions().get(0).errorCode());
        }
    }
}
