package io.tributary.compat;

import static io.tributary.compat.Clients.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Kafka transactions with the stock Java producer and read_committed consumers, on one broker. */
class TransactionsTest {
    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension("transactions", Map.of(
            "transaction.state.log.num.partitions", "4",
            "transaction.abort.timed.out.transaction.cleanup.interval.ms", "500"));

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    @Test
    void committedAndAbortedTransactionsTakeExactOffsetsAndOnlyCommittedOnesAreRead() {
        TopicPartition p0 = new TopicPartition(topic("txn-offsets"), 0);
        try (KafkaProducer<byte[], byte[]> producer = transactional("offsets-" + p0.topic(), Map.of())) {
            producer.initTransactions();
            transaction(producer, p0, "c1-", 5, true);
            transaction(producer, p0, "a-", 3, false);
            transaction(producer, p0, "c2-", 5, true);
        }
        List<ConsumerRecord<byte[], byte[]>> committed = read(p0, "read_committed");
        assertThat(committed).extracting(ConsumerRecord::offset)
                .containsExactly(0L, 1L, 2L, 3L, 4L, 10L, 11L, 12L, 13L, 14L);
        assertThat(values(committed)).allMatch(v -> v.startsWith("c"));
        List<ConsumerRecord<byte[], byte[]>> everything = read(p0, "read_uncommitted");
        assertThat(everything).extracting(ConsumerRecord::offset)
                .as("markers take offsets 5, 9 and 15").containsExactly(0L, 1L, 2L, 3L, 4L, 6L, 7L, 8L, 10L, 11L, 12L, 13L, 14L);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap(), isolation("read_committed"))) {
            assertThat(consumer.endOffsets(List.of(p0))).containsEntry(p0, 16L);
        }
    }

    /**
     * Each transaction starts with several Produce requests in flight to a partition not yet in it: the
     * first waits for the coordinator's confirmation, and the ones behind it must not overtake it
     * (else the partition answers OUT_OF_ORDER_SEQUENCE_NUMBER and the producer fails).
     */
    @Test
    void pipelinedBatchesAtATransactionsStartKeepTheirOrder() {
        TopicPartition p0 = new TopicPartition(topic("txn-pipelined"), 0);
        List<String> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = transactional("pipelined-" + p0.topic(), Map.of(
                ProducerConfig.BATCH_SIZE_CONFIG, 1024, ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5))) {
            producer.initTransactions();
            String padding = "x".repeat(400);
            for (int t = 0; t < 30; t++) {
                producer.beginTransaction();
                for (int i = 0; i < 200; i++) {
                    String value = t + "-" + i + "-" + padding;
                    producer.send(record(p0, value));
                    sent.add(value);
                }
                producer.commitTransaction();
            }
        }
        assertThat(values(read(p0, "read_committed"))).containsExactlyElementsOf(sent);
    }

    @Test
    void anOpenTransactionHidesLaterCommittedRecordsUntilItEnds() {
        TopicPartition p0 = new TopicPartition(topic("txn-lso"), 0);
        try (KafkaProducer<byte[], byte[]> open = transactional("open-" + p0.topic(), Map.of());
             KafkaProducer<byte[], byte[]> other = transactional("other-" + p0.topic(), Map.of());
             KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap(), isolation("read_committed"))) {
            open.initTransactions();
            other.initTransactions();
            open.beginTransaction();
            await(open.send(record(p0, "open-1")));
            transaction(other, p0, "other-", 2, true);

            assertThat(consumer.endOffsets(List.of(p0))).as("the last stable offset").containsEntry(p0, 0L);
            consumer.assign(List.of(p0));
            consumer.seekToBeginning(List.of(p0));
            assertThat(consumer.poll(Duration.ofSeconds(1))).isEmpty();

            open.commitTransaction();
            List<String> seen = new ArrayList<>();
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (seen.size() < 3 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.add(value(r)));
            }
            assertThat(seen).containsExactly("open-1", "other-0", "other-1");
        }
    }

    @Test
    void aNewInstanceFencesTheOldOneAndAbortsItsTransaction() {
        TopicPartition p0 = new TopicPartition(topic("txn-fence"), 0);
        String id = "fence-" + p0.topic();
        try (KafkaProducer<byte[], byte[]> zombie = transactional(id, Map.of())) {
            zombie.initTransactions();
            zombie.beginTransaction();
            await(zombie.send(record(p0, "zombie")));
            try (KafkaProducer<byte[], byte[]> fresh = transactional(id, Map.of())) {
                fresh.initTransactions();
                assertThatThrownBy(zombie::commitTransaction).isInstanceOf(ProducerFencedException.class);
                transaction(fresh, p0, "fresh-", 2, true);
            }
        }
        assertThat(values(read(p0, "read_committed"))).containsExactly("fresh-0", "fresh-1");
    }

    @Test
    void aTransactionPastItsTimeoutIsAbortedAndItsProducerFenced() throws Exception {
        TopicPartition p0 = new TopicPartition(topic("txn-timeout"), 0);
        String id = "timeout-" + p0.topic();
        try (KafkaProducer<byte[], byte[]> slow = transactional(id, Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 2_000))) {
            slow.initTransactions();
            slow.beginTransaction();
            await(slow.send(record(p0, "too-slow")));
            try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap(), isolation("read_committed"))) {
                Eventually.holds(Duration.ofSeconds(20), () ->
                        assertThat(consumer.endOffsets(List.of(p0))).as("the abort marker passed").containsEntry(p0, 2L));
            }
            assertThatThrownBy(slow::commitTransaction).isInstanceOf(KafkaException.class);
        }
        try (KafkaProducer<byte[], byte[]> next = transactional(id, Map.of())) {
            next.initTransactions();
            transaction(next, p0, "next-", 1, true);
        }
        assertThat(values(read(p0, "read_committed"))).containsExactly("next-0");
    }

    /**
     * A transaction whose topic is deleted before it ends: the coordinator still aborts it at its timeout
     * (a marker for a partition that no longer exists counts as written), so the transactional id is
     * free again rather than stuck in PrepareAbort.
     */
    @Test
    void aTransactionOverADeletedTopicIsAbortedAtItsTimeoutAndItsIdFreed() throws Exception {
        TopicPartition gone = new TopicPartition(topic("txn-deleted"), 0);
        TopicPartition kept = new TopicPartition(topic("txn-kept"), 0);
        String id = "deleted-" + gone.topic();
        try (KafkaProducer<byte[], byte[]> slow = transactional(id, Map.of(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 2_000))) {
            slow.initTransactions();
            slow.beginTransaction();
            await(slow.send(record(gone, "orphan")));
            Clients.await(BROKER.admin().deleteTopics(List.of(gone.topic())).all());
            Eventually.holds(Duration.ofSeconds(30), () -> assertThat(BROKER.admin().describeTransactions(List.of(id))
                    .description(id).get(5, TimeUnit.SECONDS).state()).isEqualTo(TransactionState.COMPLETE_ABORT));
        }
        try (KafkaProducer<byte[], byte[]> next = transactional(id, Map.of())) {
            next.initTransactions();
            transaction(next, kept, "kept-", 2, true);
        }
        assertThat(values(read(kept, "read_committed"))).containsExactly("kept-0", "kept-1");
    }

    @Test
    void offsetsSentToATransactionCountOnlyOnceItCommits() throws Exception {
        TopicPartition input = new TopicPartition(topic("txn-in"), 0);
        TopicPartition output = new TopicPartition(topic("txn-out"), 0);
        try (KafkaProducer<byte[], byte[]> plain = Clients.producer(BROKER.bootstrap())) {
            for (int i = 0; i < 10; i++) {
                await(plain.send(record(input, "in-" + i)));
            }
        }
        String group = "copier-" + input.topic();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap(), Map.of(
                     ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
             KafkaProducer<byte[], byte[]> producer = transactional("copier-" + input.topic(), Map.of());
             Admin admin = Clients.admin(BROKER.bootstrap())) {
            producer.initTransactions();
            consumer.subscribe(List.of(input.topic()));
            List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (batch.size() < 10 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(batch::add);
            }
            assertThat(batch).hasSize(10);

            // An aborted copy of the first five: output hidden, offsets not moved.
            copy(producer, consumer, batch.subList(0, 5), output, false);
            assertThat(committedOffset(admin, group, input)).isNull();

            // The copy commits: output and offsets together; while it is open, stable reads wait.
            producer.beginTransaction();
            for (ConsumerRecord<byte[], byte[]> r : batch) {
                producer.send(record(output, "out-" + value(r)));
            }
            producer.sendOffsetsToTransaction(Map.of(input, new OffsetAndMetadata(10)), consumer.groupMetadata());
            // UNSTABLE_OFFSET_COMMIT until the transaction ends: a consumer retries, an admin client leaves the partition out.
            assertThatThrownBy(() -> consumer.committed(Set.of(input), Duration.ofSeconds(2))).isInstanceOf(TimeoutException.class);
            assertThat(stableOffsets(admin, group, input, 30_000).get()).doesNotContainKey(input);
            producer.commitTransaction();
            Eventually.holds(Duration.ofSeconds(10), () ->
                    assertThat(committedOffset(admin, group, input)).isEqualTo(10L));
        }
        assertThat(values(read(output, "read_committed"))).hasSize(10).allMatch(v -> v.startsWith("out-in-"));
    }

    private static void copy(KafkaProducer<byte[], byte[]> producer, KafkaConsumer<byte[], byte[]> consumer,
                             List<ConsumerRecord<byte[], byte[]>> records, TopicPartition output, boolean commit) {
        producer.beginTransaction();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            producer.send(record(output, "out-" + value(r)));
        }
        long next = records.get(records.size() - 1).offset() + 1;
        producer.sendOffsetsToTransaction(Map.of(new TopicPartition(records.get(0).topic(), records.get(0).partition()),
                new OffsetAndMetadata(next)), consumer.groupMetadata());
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.abortTransaction();
        }
    }

    private static Long committedOffset(Admin admin, String group, TopicPartition tp) throws Exception {
        OffsetAndMetadata committed = stableOffsets(admin, group, tp, 30_000).get().get(tp);
        return committed == null ? null : committed.offset();
    }

    /** The group's offset of one partition, asked for as a consumer asks (requireStable). */
    private static KafkaFuture<Map<TopicPartition, OffsetAndMetadata>> stableOffsets(Admin admin, String group,
                                                                                     TopicPartition tp, int timeoutMs) {
        return admin.listConsumerGroupOffsets(Map.of(group, new ListConsumerGroupOffsetsSpec().topicPartitions(List.of(tp))),
                new ListConsumerGroupOffsetsOptions().requireStable(true).timeoutMs(timeoutMs)).partitionsToOffsetAndMetadata(group);
    }

    @Test
    void theTransactionsToolListsDescribesFindsNothingHangingAndAbortsAnOpenTransaction() {
        TopicPartition p0 = new TopicPartition(topic("txn-tool"), 0);
        String id = "tool-" + p0.topic();
        try (KafkaProducer<byte[], byte[]> producer = transactional(id, Map.of())) {
            producer.initTransactions();
            producer.beginTransaction();
            await(producer.send(record(p0, "left-open")));

            Command.Result listed = tool("list");
            assertThat(listed.exitCode()).as(listed.describe()).isZero();
            assertThat(listed.stdout()).containsPattern(id + "\\s+\\d+\\s+\\d+\\s+Ongoing");
            Command.Result described = tool("describe", "--transactional-id", id);
            assertThat(described.exitCode()).as(described.describe()).isZero();
            assertThat(described.stdout()).contains("Ongoing").contains(p0.toString());
            Command.Result producers = tool("describe-producers", "--topic", p0.topic(), "--partition", "0");
            assertThat(producers.stdout()).as(producers.describe()).containsPattern("(?m)\\s0\\s*$");
            // Open for longer than 0 minutes, but known to its coordinator with this partition: not hanging.
            Command.Result hanging = tool("find-hanging", "--broker-id", String.valueOf(BROKER.broker().nodeId()),
                    "--max-transaction-timeout", "0");
            assertThat(hanging.exitCode()).as(hanging.describe()).isZero();
            assertThat(hanging.stdout()).as(hanging.describe()).contains("ProducerId").doesNotContain(p0.topic());

            Command.Result aborted = tool("abort", "--topic", p0.topic(), "--partition", "0", "--start-offset", "0");
            assertThat(aborted.exitCode()).as(aborted.describe()).isZero();
            try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap(), isolation("read_committed"))) {
                assertThat(consumer.endOffsets(List.of(p0))).as("the abort marker ended it").containsEntry(p0, 2L);
            }
            producer.commitTransaction();
        }
        assertThat(read(p0, "read_committed")).as("aborted by the tool before the commit").isEmpty();
    }

    private static Command.Result tool(String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap-server", BROKER.bootstrap()));
        all.addAll(List.of(args));
        return JavaMain.run("org.apache.kafka.tools.TransactionsCommand", null, Duration.ofSeconds(90),
                all.toArray(String[]::new));
    }

    private static String topic(String prefix) {
        String topic = Clients.uniqueTopic(prefix);
        Clients.createTopic(BROKER.admin(), topic, 1);
        return topic;
    }

    private static KafkaProducer<byte[], byte[]> transactional(String id, Map<String, Object> overrides) {
        Map<String, Object> config = new java.util.HashMap<>(overrides);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        return Clients.producer(BROKER.bootstrap(), config);
    }

    private static void transaction(KafkaProducer<byte[], byte[]> producer, TopicPartition tp, String prefix, int count,
                                    boolean commit) {
        producer.beginTransaction();
        for (int i = 0; i < count; i++) {
            producer.send(record(tp, prefix + i));
        }
        producer.flush();
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.abortTransaction();
        }
    }

    private static ProducerRecord<byte[], byte[]> record(TopicPartition tp, String value) {
        return new ProducerRecord<>(tp.topic(), tp.partition(), null, value.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, Object> isolation(String level) {
        return Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, level);
    }

    private static List<ConsumerRecord<byte[], byte[]>> read(TopicPartition tp, String level) {
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap(), isolation(level))) {
            return Clients.readAll(consumer, List.of(tp), READ_TIMEOUT);
        }
    }

    private static String value(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.value(), StandardCharsets.UTF_8);
    }

    private static List<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(TransactionsTest::value).toList();
    }
}
