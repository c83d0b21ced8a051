package io.tributary.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
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
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Small client commands built on kafka-clients, for trying a broker out by hand. */
public final class ClientCommands {
    private ClientCommands() {
    }

    /** Runs {@code command}; returns the process exit code. */
    public static int run(String command, String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(args[i] + " needs a value");
                }
                options.put(args[i].substring(2), args[++i]);
            } else {
                positional.add(args[i]);
            }
        }
        String bootstrap = required(options, "bootstrap-server");
        String topic = required(options, "topic");
        return switch (command) {
            case "create-topic" -> createTopic(bootstrap, topic, Integer.parseInt(options.getOrDefault("partitions", "1")),
                    Short.parseShort(options.getOrDefault("replication-factor", "1")));
            case "produce" -> {
                if (positional.size() != 2) {
                    throw new IllegalArgumentException("produce takes PARTITION VALUE");
                }
                yield produce(bootstrap, topic, Integer.parseInt(positional.get(0)), positional.get(1));
            }
            case "consume" -> consume(bootstrap, topic, options.get("group"), Long.parseLong(options.getOrDefault("max-messages", "-1")));
            default -> throw new IllegalArgumentException("unknown command " + command);
        };
    }

    private static String required(Map<String, String> options, String name) {
        String v = options.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    private static int createTopic(String bootstrap, String topic, int partitions, short replicationFactor) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.of(replicationFactor)))).all().get();
            System.out.println("created topic " + topic + " with " + partitions + " partition(s)");
            return 0;
        } catch (ExecutionException e) {
            System.err.println("error: could not create topic " + topic + ": " + e.getCause().getMessage());
            return 1;
        }
    }

    private static int produce(String bootstrap, String topic, int partition, String value) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            RecordMetadata md = producer.send(new ProducerRecord<>(topic, partition, null, value)).get();
            System.out.println("produced to " + md.topic() + "-" + md.partition() + " at offset " + md.offset());
            return 0;
        } catch (ExecutionException e) {
            System.err.println("error: could not produce to " + topic + "-" + partition + ": " + e.getCause().getMessage());
            return 1;
        }
    }

    /**
     * Without a group: reads every partition from the beginning. With one: joins the group (members
     * split the partitions), starts where the group committed (else at the beginning) and commits as
     * it goes.
     */
    private static int consume(String bootstrap, String topic, String group, long maxMessages) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        if (group != null) {
            props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        } else {
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            if (group != null) {
                consumer.subscribe(List.of(topic));
            } else {
                List<TopicPartition> partitions = new ArrayList<>();
                for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                    partitions.add(new TopicPartition(topic, p.partition()));
                }
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
            }
            long seen = 0;
            while (maxMessages < 0 || seen < maxMessages) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    System.out.println(r.partition() + "\t" + r.offset() + "\t" + r.key() + "\t" + r.value());
                    seen++;
                }
            }
            if (group != null) {
                consumer.commitSync();
            }
            return 0;
        }
    }
}
