package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;
import org.apache.kafka.common.requests.AddOffsetsToTxnResponse;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.DescribeTransactionsRequest;
import org.apache.kafka.common.requests.DescribeTransactionsResponse;
import org.apache.kafka.common.requests.EndTxnRequest;
import org.apache.kafka.common.requests.EndTxnResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ListTransactionsRequest;
import org.apache.kafka.common.requests.ListTransactionsResponse;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;
import org.apache.kafka.common.requests.TxnOffsetCommitResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Transaction requests no well-behaved client sends, over a raw connection to the transaction
 * coordinator: unknown transactional ids, wrong producer ids and epochs, requests in the wrong state,
 * out-of-range timeouts and oversized inputs each get Kafka's error. Throughout, a real producer's
 * transactions (same id) go on undisturbed, and after a broker restart its transaction state is intact.
 */
class TransactionBadInputTest {

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension("txn-bad-input", Groups.BROKER_SETTINGS);

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void badTransactionRequestsGetKafkasErrorsAndHarmNoTransaction() throws Exception {
        String topic = Clients.uniqueTopic("txn-bad-input");
        Clients.createTopic(BROKER.admin(), topic, 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        String id = "bad-input-" + topic;
        List<String> committed = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(BROKER.bootstrap(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id))) {
            producer.initTransactions();
            committed.addAll(commit(producer, tp, "before"));
            TransactionDescription real = describe(id);
            long pid = real.producerId();
            short epoch = (short) real.producerEpoch();

            // Finding the group's coordinator also creates __consumer_offsets, which AddOffsetsToTxn needs.
            try (CoordinatorConnection group = CoordinatorConnection.forGroup(BROKER.broker(), "group-" + topic)) {
                TxnOffsetCommitResponse response = group.call(TxnOffsetCommitRequest.Builder.forTopicNames(
                        new TxnOffsetCommitRequestData().setTransactionalId(id).setGroupId("group-" + topic)
                                .setProducerId(pid).setProducerEpoch(epoch).setGenerationIdOrMemberEpoch(-1).setMemberId("")
                                .setTopics(List.of(new TxnOffsetCommitRequestTopic().setName(topic).setPartitions(List.of(
                                        new TxnOffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(1))))),
                        false));
                assertThat(Errors.forCode(response.data().topics().get(0).partitions().get(0).errorCode()))
                        .as("TxnOffsetCommit from a producer whose transaction never added the group")
                        .isIn(Errors.INVALID_TXN_STATE, Errors.TRANSACTION_ABORTABLE);
            }

            try (CoordinatorConnection coordinator = CoordinatorConnection.forTransaction(BROKER.broker(), id)) {
                String unknown = "no-such-id-" + topic;
                assertThat(initProducerId(coordinator, "timeout-" + topic, Integer.MAX_VALUE))
                        .as("InitProducerId with a timeout past transaction.max.timeout.ms")
                        .isEqualTo(Errors.INVALID_TRANSACTION_TIMEOUT);
                InitProducerIdResponse recovery = coordinator.call(new InitProducerIdRequest.Builder(
                        new InitProducerIdRequestData().setTransactionalId(id).setTransactionTimeoutMs(60_000)
                                .setProducerId(pid + 1000).setProducerEpoch(epoch)));
                assertThat(recovery.error()).as("InitProducerId recovering a producer id the id never had")
                        .isEqualTo(Errors.PRODUCER_FENCED);

                assertThat(addPartitions(coordinator, unknown, pid, epoch, List.of(tp)).get(tp))
                        .as("AddPartitionsToTxn for an unknown transactional id").isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
                assertThat(addPartitions(coordinator, id, pid + 1, epoch, List.of(tp)).get(tp))
                        .as("AddPartitionsToTxn with another producer id").isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
                assertThat(addPartitions(coordinator, id, pid, (short) (epoch - 1), List.of(tp)).get(tp))
                        .as("AddPartitionsToTxn with an old epoch").isIn(Errors.PRODUCER_FENCED, Errors.INVALID_PRODUCER_EPOCH);
                TopicPartition missing = new TopicPartition("no-such-topic-" + topic, 0);
                TopicPartition beyond = new TopicPartition(topic, 7);
                Map<TopicPartition, Errors> mixed = addPartitions(coordinator, id, pid, epoch, List.of(tp, missing, beyond));
                assertThat(mixed).as("AddPartitionsToTxn naming partitions that do not exist")
                        .containsEntry(missing, Errors.UNKNOWN_TOPIC_OR_PARTITION)
                        .containsEntry(beyond, Errors.UNKNOWN_TOPIC_OR_PARTITION)
                        .containsEntry(tp, Errors.OPERATION_NOT_ATTEMPTED);
                List<TopicPartition> many = new ArrayList<>();
                for (int p = 0; p < 20_000; p++) {
                    many.add(new TopicPartition("no-such-topic-" + topic, p));
                }
                assertThat(addPartitions(coordinator, id, pid, epoch, many).values())
                        .as("AddPartitionsToTxn with 20,000 partitions that do not exist")
                        .hasSize(20_000).containsOnly(Errors.UNKNOWN_TOPIC_OR_PARTITION);

                AddOffsetsToTxnResponse offsets = coordinator.call(new AddOffsetsToTxnRequest.Builder(
                        new AddOffsetsToTxnRequestData().setTransactionalId(unknown).setProducerId(pid)
                                .setProducerEpoch(epoch).setGroupId("group-" + topic)));
                assertThat(Errors.forCode(offsets.data().errorCode())).as("AddOffsetsToTxn for an unknown id")
                        .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);

                assertThat(endTxn(coordinator, unknown, pid, epoch, true)).as("EndTxn for an unknown id")
                        .isEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
                assertThat(endTxn(coordinator, id, pid, (short) (epoch - 1), true)).as("EndTxn with an old epoch")
                        .isIn(Errors.PRODUCER_FENCED, Errors.INVALID_PRODUCER_EPOCH);
                assertThat(endTxn(coordinator, id, pid, epoch, false))
                        .as("EndTxn abort of a transaction that committed").isEqualTo(Errors.INVALID_TXN_STATE);
                assertThat(endTxn(coordinator, id, pid, epoch, true))
                        .as("EndTxn commit again (a retry of the last commit)").isEqualTo(Errors.NONE);

                DescribeTransactionsResponse described = coordinator.call(new DescribeTransactionsRequest.Builder(
                        new DescribeTransactionsRequestData().setTransactionalIds(List.of(unknown))));
                assertThat(Errors.forCode(described.data().transactionStates().get(0).errorCode()))
                        .as("DescribeTransactions of an unknown id").isEqualTo(Errors.TRANSACTIONAL_ID_NOT_FOUND);
                ListTransactionsResponse listed = coordinator.call(new ListTransactionsRequest.Builder(
                        new ListTransactionsRequestData().setStateFilters(List.of("NoSuchState", "Ongoing"))));
                assertThat(listed.data().unknownStateFilters()).as("ListTransactions with an unknown state")
                        .containsExactly("NoSuchState");

                InitProducerIdResponse longId = coordinator.call(new InitProducerIdRequest.Builder(
                        new InitProducerIdRequestData().setTransactionalId("x".repeat(Short.MAX_VALUE))
                                .setTransactionTimeoutMs(60_000)));
                assertThat(longId.error()).as("InitProducerId with the longest transactional id the protocol carries")
                        .isIn(Errors.NONE, Errors.NOT_COORDINATOR);
                assertThat(coordinator.stillAnswers()).isTrue();
            }


            assertThat(describe(id).state()).as("the real transaction's state after it all")
                    .isIn(TransactionState.COMPLETE_COMMIT, TransactionState.EMPTY);
            committed.addAll(commit(producer, tp, "after"));
        }

        BROKER.broker().restart();
        assertThat(describe(id).state()).as("after a restart").isIn(TransactionState.COMPLETE_COMMIT, TransactionState.EMPTY);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(BROKER.bootstrap(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id))) {
            producer.initTransactions();
            committed.addAll(commit(producer, tp, "restarted"));
        }
        // A commit is answered once decided; its markers, which make it readable, follow.
        Eventually.holds(Duration.ofSeconds(30), () -> {
            try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap(),
                    Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
                List<String> read = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> r : Clients.readAll(consumer, List.of(tp), Duration.ofSeconds(30))) {
                    read.add(new String(r.value(), StandardCharsets.UTF_8));
                }
                assertThat(read).containsExactlyElementsOf(committed);
            }
        });
    }

    private static List<String> commit(KafkaProducer<byte[], byte[]> producer, TopicPartition tp, String prefix) {
        List<String> values = new ArrayList<>();
        producer.beginTransaction();
        for (int i = 0; i < 3; i++) {
            String value = prefix + "-" + i;
            producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, value.getBytes(StandardCharsets.UTF_8)));
            values.add(value);
        }
        producer.commitTransaction();
        return values;
    }

    private static TransactionDescription describe(String id) throws Exception {
        return Eventually.value(Duration.ofSeconds(30), () -> BROKER.admin().describeTransactions(List.of(id))
                .description(id).get(5, TimeUnit.SECONDS));
    }

    private static Errors initProducerId(CoordinatorConnection coordinator, String id, int timeoutMs) throws IOException {
        InitProducerIdResponse response = coordinator.call(new InitProducerIdRequest.Builder(
                new InitProducerIdRequestData().setTransactionalId(id).setTransactionTimeoutMs(timeoutMs)));
        return response.error();
    }

    private static Map<TopicPartition, Errors> addPartitions(CoordinatorConnection coordinator, String id, long pid,
                                                             short epoch, List<TopicPartition> partitions) throws IOException {
        AddPartitionsToTxnResponse response = coordinator.call(
                AddPartitionsToTxnRequest.Builder.forClient(id, pid, epoch, partitions));
        return response.errors().get(AddPartitionsToTxnResponse.V3_AND_BELOW_TXN_ID);
    }

    private static Errors endTxn(CoordinatorConnection coordinator, String id, long pid, short epoch, boolean commit)
            throws IOException {
        EndTxnResponse response = coordinator.call(new EndTxnRequest.Builder(new EndTxnRequestData()
                .setTransactionalId(id).setProducerId(pid).setProducerEpoch(epoch).setCommitted(commit), false));
        return response.error();
    }
}
