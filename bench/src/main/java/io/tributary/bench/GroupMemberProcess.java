package io.tributary.bench;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * One consumer group member, run as its own JVM by {@link GroupRebalanceBenchmark} so that it can
 * be killed like a crashed application. It subscribes to a topic and reports on stdout, one line
 * each, with wall-clock milliseconds:
 *
 * <pre>
 * START ms                                   just before subscribing (JVM and client are up)
 * ASSIGNED ms generation added assignment    onPartitionsAssigned: the partitions added, and all it has
 * REVOKED ms partitions                      onPartitionsRevoked
 * LOST ms partitions                         onPartitionsLost
 * FIRST ms partition offset                  the first record of a partition added by the last
 *                                            assignment (once per partition and assignment)
 * </pre>
 *
 * Partition lists are comma-separated numbers, "-" when empty. SIGTERM makes it close the consumer
 * (leaving the group); SIGKILL leaves the group to find out by the session timeout.
 *
 * <p>Arguments: {@code bootstrap topic group clientId [key=value ...]} (consumer properties).
 */
public final class GroupMemberProcess {
    private GroupMemberProcess() {
    }

    public static void main(String[] args) {
        if (args.length < 4) {
            System.err.println("usage: GroupMemberProcess bootstrap topic group clientId [key=value ...]");
            System.exit(2);
        }
        String topic = args[1];
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, args[2]);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, args[3]);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        for (int i = 4; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            props.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            consumer.wakeup();
            try {
                main.join(15_000);
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
        }, "close-consumer"));

        Set<TopicPartition> awaiting = new HashSet<>();
        ConsumerRebalanceListener listener = new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                awaiting.removeAll(partitions);
                emit("REVOKED " + System.currentTimeMillis() + " " + list(partitions));
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                awaiting.removeAll(partitions);
                emit("LOST " + System.currentTimeMillis() + " " + list(partitions));
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                long now = System.currentTimeMillis();
                awaiting.addAll(partitions);
                emit("ASSIGNED " + now + " " + consumer.groupMetadata().generationId() + " " + list(partitions)
                        + " " + list(consumer.assignment()));
            }
        };
        try {
            emit("START " + System.currentTimeMillis());
            consumer.subscribe(List.of(topic), listener);
            while (true) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty() || awaiting.isEmpty()) {
                    continue;
                }
                long now = System.currentTimeMillis();
                for (TopicPartition tp : records.partitions()) {
                    if (awaiting.remove(tp)) {
                        emit("FIRST " + now + " " + tp.partition() + " " + records.records(tp).get(0).offset());
                    }
                }
            }
        } catch (WakeupException stopping) {
            // SIGTERM: close below, which leaves the group
        } finally {
            consumer.close(Duration.ofSeconds(10));
        }
    }

    private static String list(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return "-";
        }
        return partitions.stream().map(TopicPartition::partition).sorted().map(String::valueOf)
                .collect(Collectors.joining(","));
    }

    private static void emit(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
