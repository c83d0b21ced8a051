package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A network partition that leaves a partition's leader alone on the minority side (its Raft traffic to
 * both other brokers cut, Kafka clients still reaching it): it must stop acknowledging acks=all
 * writes, the majority must elect a new leader and serve, and after healing every replica must hold
 * every acknowledged record and nothing the minority took without acknowledging.
 */
class ClusterPartitionTest {

    @RegisterExtension
    final ClusterCleanup clusters = new ClusterCleanup(60);
    private Cluster cluster;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void isolatedLeaderStopsAcceptingWritesMajorityServesAndReplicasConverge() throws Exception {
        cluster = clusters.track(Cluster.ofProcesses("partition", 3, true, Map.of()));
        String topic = Clients.uniqueTopic("partition");
        TopicPartition p0 = new TopicPartition(topic, 0);
        cluster.createTopic(topic, 1, 3);
        List<String> acknowledged = new ArrayList<>();
        acknowledged.add(produce(cluster.bootstrap(), p0, "before-" + topic, Duration.ofSeconds(30)));
        assertThat(cluster.links().bytesForwarded())
                .as("Raft traffic through the test's link proxies (is the route hook on the brokers' class path?)")
                .isPositive();

        int isolated = cluster.leaderOf(p0);
        assertThat(isolated).as("leader of %s", p0).isPositive();
        Set<Integer> majority = new TreeSet<>(cluster.nodeIds());
        majority.remove(isolated);
        String majorityBootstrap = bootstrapOf(majority);
        cluster.links().partition(Set.of(isolated), majority);
        long cutAt = System.nanoTime();

        // The minority side: its old leader must not acknowledge an acks=all write sent to it. (A Kafka
        // producer would not do: only Raft traffic is cut, so the cluster's metadata would send it to the
        // majority's leader. The raw request goes to the isolated broker and nowhere else.)
        String minorityValue = "minority-" + topic;
        CompletableFuture<String> minorityWrite = CompletableFuture.supplyAsync(() ->
                rawProduce(cluster.member(isolated).bootstrap(), p0, minorityValue));

        // The majority side elects a leader of its own and takes writes.
        String majorityValue;
        try {
            majorityValue = produce(majorityBootstrap, p0, "majority-" + topic, Duration.ofSeconds(30));
        } catch (AssertionError e) {
            StringBuilder raw = new StringBuilder();
            for (int id : majority) {
                raw.append("\n  raw acks=all produce to broker ").append(id).append(": ")
                        .append(rawProduce(cluster.member(id).bootstrap(), p0, "majority-raw-" + id + "-" + topic))
                        .append("; InitProducerId: ").append(rawInitProducerId(cluster.member(id).bootstrap()));
            }
            throw new AssertionError("the majority " + majority + " did not take a write (idempotent producer) within"
                    + " 30 s of broker " + isolated + "'s isolation; the brokers' views now:\n" + cluster.views(topic)
                    + raw, e);
        }
        acknowledged.add(majorityValue);
        long majorityServedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutAt);
        // A broker that knows of no leader while an election settles answers LEADER_NOT_AVAILABLE, which
        // clients retry; so does this check.
        int majorityLeader = Eventually.value(Duration.ofSeconds(10), () -> leaderSeenBy(majorityBootstrap, p0),
                id -> assertThat(id).as("leader of %s on the majority side %s", p0, majority).isIn(majority));

        String minorityOutcome = minorityWrite.get(60, TimeUnit.SECONDS);
        assertThat(minorityOutcome).as("answer of broker %d, cut off from the majority %s, to an acks=all write",
                isolated, majority).doesNotStartWith("NONE");
        System.out.printf("partition: broker %d isolated; the majority %s served a write after %d ms (leader %d);"
                + " the minority's write ended with %s%n", isolated, majority, majorityServedAfter, majorityLeader,
                minorityOutcome);

        cluster.links().healAll();
        cluster.awaitHealthy(Duration.ofSeconds(90), topic);
        acknowledged.add(produce(cluster.member(isolated).bootstrap(), p0, "after-" + topic, Duration.ofSeconds(30)));

        // Converged: every acknowledged record once, in order, on every broker, and the minority write nowhere.
        List<String> values = readAll(p0);
        assertThat(values).as("%s after healing", p0).containsSubsequence(acknowledged).doesNotHaveDuplicates()
                .doesNotContain(minorityValue);
        for (ClusterMember member : cluster.members()) {
            Eventually.holds(Duration.ofSeconds(30), () -> {
                byte[] log = ClusterWalkthroughTest.partitionLogBytes(member.dataDir(), p0);
                for (String value : acknowledged) {
                    assertThat(ClusterWalkthroughTest.contains(log, value.getBytes(StandardCharsets.UTF_8)))
                            .as("broker %d's log of %s contains %s", member.nodeId(), p0, value).isTrue();
                }
                assertThat(ClusterWalkthroughTest.contains(log, minorityValue.getBytes(StandardCharsets.UTF_8)))
                        .as("broker %d's log of %s holds the unacknowledged minority write", member.nodeId(), p0)
                        .isFalse();
            });
        }
    }

    private String bootstrapOf(Set<Integer> nodeIds) {
        List<String> listeners = new ArrayList<>();
        nodeIds.forEach(id -> listeners.add(cluster.member(id).bootstrap()));
        return String.join(",", listeners);
    }

    private static String produce(String bootstrap, TopicPartition partition, String value, Duration timeout) {
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap, Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000))) {
            Clients.await(producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), null,
                    value.getBytes(StandardCharsets.UTF_8))));
            return value;
        }
    }

    /**
     * Sends one acks=all Produce request straight to a broker; its error code and message, or "no answer"
     * when none comes before the socket's read timeout.
     */
    private static String rawProduce(String bootstrap, TopicPartition partition, String value) {
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        try (RawConnection connection = new RawConnection(port)) {
            short version = (short) Math.min(12, connection.maxVersion(connection.apiVersions(), ApiKeys.PRODUCE));
            ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5_000);
            ProduceRequestData.TopicProduceData topicData = new ProduceRequestData.TopicProduceData()
                    .setName(partition.topic());
            topicData.partitionData().add(new ProduceRequestData.PartitionProduceData()
                    .setIndex(partition.partition())
                    .setRecords(MemoryRecords.withRecords(Compression.NONE,
                            new SimpleRecord(value.getBytes(StandardCharsets.UTF_8)))));
            data.topicData().add(topicData);
            ProduceRequest request = new ProduceRequest.Builder(version, version, data).build(version);
            ProduceResponse response = (ProduceResponse) connection.receive(connection.send(request));
            ProduceResponseData.PartitionProduceResponse answer = response.data().responses().iterator().next()
                    .partitionResponses().get(0);
            return Errors.forCode(answer.errorCode()) + (answer.errorMessage() == null ? "" : ": " + answer.errorMessage())
                    + (answer.errorCode() == 0 ? " at offset " + answer.baseOffset() : "");
        } catch (java.net.SocketTimeoutException e) {
            return "no answer";
        } catch (java.io.IOException e) {
            return "connection failed: " + e;
        }
    }

    /** Asks a broker for a producer id, as an idempotent producer does first; the answer's error. */
    private static String rawInitProducerId(String bootstrap) {
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        try (RawConnection connection = new RawConnection(port)) {
            short version = (short) Math.min(4, connection.maxVersion(connection.apiVersions(), ApiKeys.INIT_PRODUCER_ID));
            InitProducerIdRequest request = new InitProducerIdRequest.Builder(new InitProducerIdRequestData()
                    .setTransactionalId(null).setTransactionTimeoutMs(60_000)).build(version);
            InitProducerIdResponse response = (InitProducerIdResponse) connection.receive(connection.send(request));
            return response.error() + " producer id " + response.data().producerId();
        } catch (java.net.SocketTimeoutException e) {
            return "no answer";
        } catch (java.io.IOException e) {
            return "connection failed: " + e;
        }
    }

    private static int leaderSeenBy(String bootstrap, TopicPartition partition) {
        try (Admin admin = Cluster.quickAdmin(bootstrap)) {
            TopicPartitionInfo info = Cluster.describe(admin, List.of(partition.topic())).get(partition.topic())
                    .partitions().get(partition.partition());
            return info.leader() == null ? -1 : info.leader().id();
        }
    }

    private List<String> readAll(TopicPartition partition) {
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(cluster.bootstrap())) {
            List<String> values = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> record : Clients.readAll(consumer, List.of(partition),
                    Duration.ofSeconds(60))) {
                values.add(new String(record.value(), StandardCharsets.UTF_8));
            }
            return values;
        }
    }
}
