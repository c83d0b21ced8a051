package io.tributary.compat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Stock kafka-clients objects pointed at a broker, with the settings these tests rely on. */
final class Clients {

    private Clients() {
    }

    static Admin admin(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return Admin.create(props);
    }

    /** Kafka's defaults (idempotence on, acks=all) unless the caller overrides them. */
    static KafkaProducer<byte[], byte[]> producer(String bootstrap, Map<String, Object> overrides) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.putAll(overrides);
        return new KafkaProducer<>(props);
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return producer(bootstrap, Map.of());
    }

    /** No group: the broker has no group coordinator, so these consumers use assign() and never commit. */
    static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, Map<String, Object> overrides) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.putAll(overrides);
        return new KafkaConsumer<>(props);
    }

    static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        return consumer(bootstrap, Map.of());
    }

    /**
     * Every record of the partitions from the log start to the end offsets seen when reading
     * begins, in offset order per partition (partitions one after another in the given order).
     */
    static List<ConsumerRecord<byte[], byte[]>> readAll(KafkaConsumer<byte[], byte[]> consumer,
            Collection<TopicPartition> partitions, Duration timeout) {
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> byPartition = new HashMap<>();
        partitions.forEach(tp -> byPartition.put(tp, new ArrayList<>()));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!reachedEnd(consumer, partitions, end)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("did not reach end offsets " + end + " within "
                        + timeout.toSeconds() + " s; positions "
                        + partitions.stream().map(tp -> tp + "=" + consumer.position(tp)).toList());
            }
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                byPartition.get(new TopicPartition(record.topic(), record.partition())).add(record);
            }
        }
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        partitions.forEach(tp -> all.addAll(byPartition.get(tp)));
        return all;
    }

    private static boolean reachedEnd(KafkaConsumer<byte[], byte[]> consumer,
            Collection<TopicPartition> partitions, Map<TopicPartition, Long> end) {
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp) < end.get(tp)) {
                return false;
            }
        }
        return true;
    }

    static List<TopicPartition> partitions(String topic, int count) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            partitions.add(new TopicPartition(topic, p));
        }
        return partitions;
    }

    /** A topic name no other test uses, so tests sharing a broker stay independent. */
    static String uniqueTopic(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Creates the topic and waits until every partition has a leader, as Kafka may take a moment. */
    static void createTopic(Admin admin, String topic, int partitions) {
        await(admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all());
        Eventually.holds(Duration.ofSeconds(30), () -> {
            var description = admin.describeTopics(List.of(topic)).topicNameValues().get(topic).get();
            if (description.partitions().size() != partitions
                    || description.partitions().stream().anyMatch(p -> p.leader() == null)) {
                throw new AssertionError("topic " + topic + " not ready: " + description);
            }
        });
    }

    /**
     * Produces {@code records} records of {@code recordBytes} bytes each, round-robin over the topic's first
     * {@code partitions} partitions, in large batches (acks=all), and waits until all are acknowledged.
     */
    static void produceBulk(String bootstrap, String topic, int partitions, int records, int recordBytes) {
        byte[] value = new byte[recordBytes];
        try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap,
                Map.of(ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024))) {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < records; i++) {
                sends.add(producer.send(new ProducerRecord<>(topic, i % partitions, null, value)));
                if (sends.size() >= 1_000) {
                    sends.forEach(Clients::await);
                    sends.clear();
                }
            }
            sends.forEach(Clients::await);
        }
    }

    /** Waits for an admin or producer future, unwrapping failures so assertions see the cause. */
    static <T> T await(Future<T> future) {
        try {
            return future.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("request failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("no answer within 60 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
