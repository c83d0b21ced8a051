package io.tributary.compat;

import static io.tributary.compat.Clients.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Records written by a stock producer come back byte for byte through a stock consumer. */
class ProduceConsumeTest {

    @RegisterExtension
    static final BrokerExtension BROKER = new BrokerExtension("produce-consume");

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void hundredThousandRecordsWithKeysAndHeadersComeBackExactly() {
        String topic = Clients.uniqueTopic("roundtrip");
        Clients.createTopic(BROKER.admin(), topic, 3);
        int count = 100_000;
        int[] partitionOf = new int[count];
        long[] offsetOf = new long[count];
        AtomicReference<Exception> sendError = new AtomicReference<>();

        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(BROKER.bootstrap())) {
            for (int i = 0; i < count; i++) {
                int index = i;
                producer.send(record(topic, i), (metadata, error) -> {
                    if (error != null) {
                        sendError.compareAndSet(null, error);
                    } else {
                        partitionOf[index] = metadata.partition();
                        offsetOf[index] = metadata.offset();
                    }
                });
            }
            producer.flush();
        }
        assertThat(sendError.get()).as("first send failure").isNull();

        List<ConsumerRecord<byte[], byte[]>> records;
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap())) {
            records = Clients.readAll(consumer, Clients.partitions(topic, 3), Duration.ofMinutes(3));
        }
        assertThat(records).hasSize(count);

        Map<Integer, Long> nextOffset = new HashMap<>(Map.of(0, 0L, 1, 0L, 2, 0L));
        Map<Integer, Integer> lastIndex = new HashMap<>(Map.of(0, -1, 1, -1, 2, -1));
        boolean[] seen = new boolean[count];
        for (ConsumerRecord<byte[], byte[]> record : records) {
            int p = record.partition();
            assertThat(record.offset()).as("offsets of partition %d are contiguous from 0", p)
                    .isEqualTo(nextOffset.get(p));
            nextOffset.put(p, record.offset() + 1);

            int index = indexOf(record);
            assertThat(seen[index]).as("record %d read twice", index).isFalse();
            seen[index] = true;
            assertThat(index).as("records of partition %d keep send order", p).isGreaterThan(lastIndex.get(p));
            lastIndex.put(p, index);
            assertThat(p).as("partition acknowledged for record %d", index).isEqualTo(partitionOf[index]);
            assertThat(record.offset()).as("offset acknowledged for record %d", index).isEqualTo(offsetOf[index]);
            assertSameRecord(record, record(topic, index));
        }
        assertThat(nextOffset.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(count);
        assertThat(nextOffset.values()).as("the key partitioner spread records over all partitions")
                .allSatisfy(n -> assertThat(n).isPositive());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "snappy", "lz4", "zstd"})
    void compressedBatchesRoundTrip(String codec) {
        String topic = Clients.uniqueTopic("compressed-" + codec);
        Clients.createTopic(BROKER.admin(), topic, 1);
        int count = 2_000;
        Map<String, Object> settings = Map.of(
                ProducerConfig.COMPRESSION_TYPE_CONFIG, codec,
                ProducerConfig.LINGER_MS_CONFIG, 50,
                ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        sendAll(topic, count, settings);

        List<ConsumerRecord<byte[], byte[]>> records;
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap())) {
            records = Clients.readAll(consumer, Clients.partitions(topic, 1), Duration.ofMinutes(1));
        }
        assertThat(records).hasSize(count);
        for (int i = 0; i < count; i++) {
            assertThat(records.get(i).offset()).isEqualTo(i);
            assertSameRecord(records.get(i), record(topic, i));
        }
    }

    @Test
    void readCommittedConsumerWithoutTransactionsSeesEverything() {
        String topic = Clients.uniqueTopic("read-committed");
        Clients.createTopic(BROKER.admin(), topic, 1);
        int count = 500;
        sendAll(topic, count, Map.of());

        TopicPartition partition = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(BROKER.bootstrap(),
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            assertThat(consumer.endOffsets(List.of(partition))).containsEntry(partition, (long) count);
            List<ConsumerRecord<byte[], byte[]>> records =
                    Clients.readAll(consumer, List.of(partition), Duration.ofMinutes(1));
            assertThat(records).hasSize(count);
            for (int i = 0; i < count; i++) {
                assertSameRecord(records.get(i), record(topic, i));
            }
        }
    }

    private static void sendAll(String topic, int count, Map<String, Object> settings) {
        List<Future<?>> acks = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(BROKER.bootstrap(), settings)) {
            for (int i = 0; i < count; i++) {
                acks.add(producer.send(record(topic, i)));
            }
            producer.flush();
            acks.forEach(Clients::await);
        }
    }

    /** Record {@code i}: key, value and headers all derived from i so a reader can check them. */
    private static ProducerRecord<byte[], byte[]> record(String topic, int i) {
        byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
        byte[] value = ("value-" + i + "-" + "x".repeat(i % 97)).getBytes(StandardCharsets.UTF_8);
        List<Header> headers = List.of(
                new RecordHeader("index", Integer.toString(i).getBytes(StandardCharsets.UTF_8)),
                new RecordHeader("parity", (i % 2 == 0 ? "even" : "odd").getBytes(StandardCharsets.UTF_8)));
        return new ProducerRecord<>(topic, null, key, value, headers);
    }

    private static int indexOf(ConsumerRecord<byte[], byte[]> record) {
        String key = new String(record.key(), StandardCharsets.UTF_8);
        assertThat(key).startsWith("key-");
        return Integer.parseInt(key.substring("key-".length()));
    }

    private static void assertSameRecord(ConsumerRecord<byte[], byte[]> actual, ProducerRecord<byte[], byte[]> expected) {
        assertThat(actual.key()).isEqualTo(expected.key());
        assertThat(actual.value()).isEqualTo(expected.value());
        List<String> actualHeaders = describe(actual.headers().toArray());
        List<String> expectedHeaders = describe(expected.headers().toArray());
        assertThat(actualHeaders).as("headers of %s", new String(expected.key(), StandardCharsets.UTF_8))
                .isEqualTo(expectedHeaders);
    }

    private static List<String> describe(Header[] headers) {
        return Arrays.stream(headers)
                .map(h -> h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8))
                .toList();
    }
}
