package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Acknowledged records survive a clean restart and a kill -9, without duplicates. */
class CrashRecoveryTest {

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension("crash");

    private static final int PARTITIONS = 3;

    @Test
    void cleanRestartKeepsTopicsAndRecords() {
        String topic = Clients.uniqueTopic("restart");
        try (Admin admin = Clients.admin(BROKER.bootstrap())) {
            Clients.createTopic(admin, topic, PARTITIONS);
        }
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(BROKER.bootstrap())) {
            for (int i = 0; i < 300; i++) {
                producer.send(new ProducerRecord<>(topic, i % PARTITIONS, null, value(i)));
            }
            producer.flush();
        }
        List<String> before = readValues(topic);
        assertThat(before).hasSize(300);

        BROKER.broker().restart();

        try (Admin admin = Clients.admin(BROKER.bootstrap())) {
            assertThat(Clients.await(admin.listTopics().names())).contains(topic);
        }
        assertThat(readValues(topic)).containsExactlyElementsOf(before);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void killDuringAcksAllLoadLosesNoAcknowledgedRecordAndDuplicatesNone() throws Exception {
        String topic = Clients.uniqueTopic("crash");
        try (Admin admin = Clients.admin(BROKER.bootstrap())) {
            Clients.createTopic(admin, topic, PARTITIONS);
        }
        Map<String, Object> settings = Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 2,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(BROKER.bootstrap(), settings);
                LoadGenerator load = new LoadGenerator(producer, topic)) {
            load.start();
            load.awaitAcknowledged(3_000, Duration.ofSeconds(60));

            BROKER.broker().kill();
            long ackedAtKill = load.acknowledged().size();
            BROKER.broker().restart();

            // The same producer must carry on against the restarted broker.
            load.awaitAcknowledged(ackedAtKill + 3_000, Duration.ofSeconds(90));
            load.stopAndDrain(Duration.ofSeconds(60));

            Map<String, LoadGenerator.Ack> acknowledged = load.acknowledged();
            System.out.printf("crash test: %d records acknowledged, %d of them before the kill%n",
                    acknowledged.size(), ackedAtKill);
            Map<String, ConsumerRecord<byte[], byte[]>> stored = readByValue(topic);
            for (Map.Entry<String, LoadGenerator.Ack> ack : acknowledged.entrySet()) {
                ConsumerRecord<byte[], byte[]> record = stored.get(ack.getKey());
                assertThat(record).as("acknowledged record %s (%s) after kill -9 and restart",
                        ack.getKey(), ack.getValue()).isNotNull();
                assertThat(record.partition()).isEqualTo(ack.getValue().partition());
                assertThat(record.offset()).isEqualTo(ack.getValue().offset());
            }
            assertThat(acknowledged.size()).isGreaterThan((int) ackedAtKill);
        }
    }

    private static List<String> readValues(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap())) {
            return Clients.readAll(consumer, Clients.partitions(topic, PARTITIONS), Duration.ofSeconds(60))
                    .stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
        }
    }

    /** Every stored record by value; a value stored twice fails the test. */
    private static Map<String, ConsumerRecord<byte[], byte[]>> readByValue(String topic) {
        Map<String, ConsumerRecord<byte[], byte[]>> byValue = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap())) {
            for (ConsumerRecord<byte[], byte[]> record :
                    Clients.readAll(consumer, Clients.partitions(topic, PARTITIONS), Duration.ofMinutes(2))) {
                String value = new String(record.value(), StandardCharsets.UTF_8);
                ConsumerRecord<byte[], byte[]> earlier = byValue.put(value, record);
                assertThat(earlier).as("value %s stored twice: at %s-%d and %s-%d", value,
                        record.partition(), record.offset(),
                        earlier == null ? -1 : earlier.partition(), earlier == null ? -1 : earlier.offset())
                        .isNull();
            }
        }
        return byValue;
    }

    private static byte[] value(int i) {
        return ("value-" + i).getBytes(StandardCharsets.UTF_8);
    }
}
