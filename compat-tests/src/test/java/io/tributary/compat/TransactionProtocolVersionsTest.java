package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The broker setting {@code transaction.version}: a broker at 1 makes Kafka's producer use transaction
 * protocol version 1 (explicit AddPartitionsToTxn and AddOffsetsToTxn, the epoch bumped only by
 * InitProducerId), one at 2 (the default) version 2 (partitions added by Produce and TxnOffsetCommit,
 * every transaction ending with the next epoch). Read-process-write works under both.
 */
class TransactionProtocolVersionsTest {
    private static final Map<String, String> SETTINGS = Map.of(
            "group.initial.rebalance.delay.ms", "0",
            "offsets.topic.num.partitions", "4",
            "transaction.state.log.num.partitions", "4",
            "transaction.abort.timed.out.transaction.cleanup.interval.ms", "500");

    @RegisterExtension
    static final BrokerExtension VERSION_1 = new BrokerExtension("txn-version-1", with("transaction.version", "1"));

    @RegisterExtension
    static final BrokerExtension VERSION_2 = new BrokerExtension("txn-version-2", SETTINGS);

    private static Map<String, String> with(String key, String value) {
        Map<String, String> settings = new HashMap<>(SETTINGS);
        settings.put(key, value);
        return settings;
    }

    @Test
    void eachBrokerFinalizesTheTransactionVersionItIsSetTo() throws Exception {
        assertThat(finalizedTransactionVersion(VERSION_1)).isEqualTo((short) 1);
        assertThat(finalizedTransactionVersion(VERSION_2)).isEqualTo((short) 2);
    }

    @Test
    void onlyVersion2EndsEveryTransactionWithTheNextEpoch() throws Exception {
        assertThat(epochAfterThreeTransactions(VERSION_1)).isEqualTo((short) 0);
        assertThat(epochAfterThreeTransactions(VERSION_2)).isEqualTo((short) 3);
    }

    @Test
    void readProcessWriteCountsOffsetsOnceUnderBothVersions() {
        readProcessWrite(VERSION_1);
        readProcessWrite(VERSION_2);
    }

    private static short finalizedTransactionVersion(BrokerExtension broker) throws Exception {
        try (RawConnection connection = new RawConnection(broker.broker().port())) {
            FinalizedFeatureKey feature = connection.apiVersions().data().finalizedFeatures().find("transaction.version");
            assertThat(feature).as("finalized transaction.version").isNotNull();
            return feature.maxVersionLevel();
        }
    }

    private static short epochAfterThreeTransactions(BrokerExtension broker) throws Exception {
        TopicPartition tp = new TopicPartition(topic(broker, "epochs"), 0);
        String id = "epochs-" + tp.topic();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id))) {
            producer.initTransactions();
            for (int t = 0; t < 3; t++) {
                producer.beginTransaction();
                send(producer, tp, "t" + t);
                producer.commitTransaction();
            }
        }
        assertThat(read(broker, tp)).containsExactly("t0", "t1", "t2");
        TransactionDescription description = broker.admin().describeTransactions(List.of(id)).description(id)
                .get(30, TimeUnit.SECONDS);
        return (short) description.producerEpoch();
    }

    /** Copies a topic's records in one transaction with its group's offsets; checks both landed once. */
    private static void readProcessWrite(BrokerExtension broker) {
        TopicPartition input = new TopicPartition(topic(broker, "rpw-in"), 0);
        TopicPartition output = new TopicPartition(topic(broker, "rpw-out"), 0);
        try (KafkaProducer<byte[], byte[]> plain = Clients.producer(broker.bootstrap())) {
            for (int i = 0; i < 5; i++) {
                send(plain, input, "in-" + i);
            }
        }
        String group = "rpw-" + input.topic();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(broker.bootstrap(),
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "rpw-" + input.topic()));
             KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(), Map.of(
                     ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            producer.initTransactions();
            consumer.subscribe(List.of(input.topic()));
            List<ConsumerRecord<byte[], byte[]>> read = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (read.size() < 5 && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(read::add);
            }
            assertThat(read).hasSize(5);
            producer.beginTransaction();
            read.forEach(r -> producer.send(new ProducerRecord<>(output.topic(), output.partition(), null,
                    ("copy-" + new String(r.value(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8))));
            producer.sendOffsetsToTransaction(Map.of(input, new OffsetAndMetadata(5)), consumer.groupMetadata());
            producer.commitTransaction();
            Eventually.holds(Duration.ofSeconds(30), () -> assertThat(consumer.committed(Set.of(input), Duration.ofSeconds(5)))
                    .containsEntry(input, new OffsetAndMetadata(5)));
        }
        assertThat(read(broker, output)).containsExactly("copy-in-0", "copy-in-1", "copy-in-2", "copy-in-3", "copy-in-4");
    }

    private static String topic(BrokerExtension broker, String prefix) {
        String topic = Clients.uniqueTopic(prefix);
        Clients.createTopic(broker.admin(), topic, 1);
        return topic;
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, TopicPartition tp, String value) {
        Clients.await(producer.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, value.getBytes(StandardCharsets.UTF_8))));
    }

    private static List<String> read(BrokerExtension broker, TopicPartition tp) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(broker.bootstrap(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            for (ConsumerRecord<byte[], byte[]> r : Clients.readAll(consumer, List.of(tp), Duration.ofSeconds(30))) {
                values.add(new String(r.value(), StandardCharsets.UTF_8));
            }
        }
        return values;
    }
}
