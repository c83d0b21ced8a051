package io.tributary.bench;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The few Kafka Admin client calls the harness needs: readiness, topic creation, leaders. */
final class AdminOps {
    private AdminOps() {
    }

    /** An Admin client that gives up on a request after 5 s and on a call after 10 s. */
    static Admin connect(String bootstrap) {
        return connect(bootstrap, Duration.ofSeconds(5), Duration.ofSeconds(10));
    }

    /**
     * An Admin client with the given request and call timeouts; topic creation uses long ones, as a
     * broker may take a while to answer CreateTopics (Kafka waits for the controller, Tributary
     * for the Raft groups) and a request cut short by the client would be retried as a duplicate.
     */
    static Admin connect(String bootstrap, Duration requestTimeout, Duration apiTimeout) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "tributary-bench-admin");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(requestTimeout.toMillis()));
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(apiTimeout.toMillis()));
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        return Admin.create(props);
    }

    /**
     * Waits until a broker at {@code bootstrap} answers ApiVersions and Metadata (the Admin
     * client's describeCluster) with at least one node. Fails early when {@code alive} turns false.
     */
    static void awaitReady(String bootstrap, Duration timeout, BooleanSupplier alive)
            throws InterruptedException {
        awaitBrokers(bootstrap, 1, timeout, alive);
    }

    /**
     * Waits until describeCluster at {@code bootstrap} lists at least {@code brokers} nodes (for
     * Kafka: registered and unfenced). Fails early when {@code alive} turns false.
     */
    static void awaitBrokers(String bootstrap, int brokers, Duration timeout, BooleanSupplier alive)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        int seen = 0;
        try (Admin admin = connect(bootstrap)) {
            while (System.nanoTime() < deadline) {
                if (!alive.getAsBoolean()) {
                    throw new IllegalStateException("a process exited before " + bootstrap + " answered");
                }
                try {
                    Collection<Node> nodes = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    seen = nodes.size();
                    if (seen >= brokers) {
                        return;
                    }
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    last = e;
                }
                Thread.sleep(250);
            }
        }
        throw new IllegalStateException("no Kafka answer listing " + brokers + " broker(s) from " + bootstrap
                + " within " + timeout + " (last saw " + seen + ")", last);
    }

    /** Creates a topic (allowing 60 s) and waits (up to 30 s more) until every partition has a leader. */
    static void createTopic(String bootstrap, String topic, int partitions, short replicationFactor)
            throws Exception {
        try (Admin admin = connect(bootstrap, Duration.ofSeconds(60), Duration.ofSeconds(60))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, replicationFactor)),
                            new CreateTopicsOptions().timeoutMs(60_000))
                    .all().get(70, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int led = 0;
            while (System.nanoTime() < deadline) {
                led = partitionsWithLeader(admin, List.of(topic));
                if (led == partitions) {
                    return;
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("topic " + topic + ": " + led + " of " + partitions
                    + " partitions have a leader after 30 s");
        }
    }

    /**
     * How many partitions of {@code topics} have a leader in a describeTopics answer; 0 while any
     * topic is not visible yet.
     */
    static int partitionsWithLeader(Admin admin, Collection<String> topics) throws InterruptedException {
        try {
            Map<String, TopicDescription> d = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
            int led = 0;
            for (TopicDescription t : d.values()) {
                for (TopicPartitionInfo p : t.partitions()) {
                    if (p.leader() != null && !p.leader().isEmpty()) {
                        led++;
                    }
                }
            }
            return led;
        } catch (ExecutionException | java.util.concurrent.TimeoutException notYetVisible) {
            return 0;
        }
    }

    /**
     * Writes one small record with {@code acks=all} to every partition of {@code topic} and waits
     * for each acknowledgement, so that a benchmark starts on a topic that takes writes, not on one
     * whose partitions have a leader in the metadata but are still being set up. Fails after
     * {@code timeout}.
     */
    static void awaitWritable(String bootstrap, String topic, int partitions, Duration timeout) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-bench-probe");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.min(30_000, timeout.toMillis())));
        props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            List<java.util.concurrent.Future<RecordMetadata>> acks = new java.util.ArrayList<>();
            byte[] value = "probe".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            for (int p = 0; p < partitions; p++) {
                acks.add(producer.send(new ProducerRecord<>(topic, p, null, value)));
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            for (var ack : acks) {
                ack.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        }
    }
}
