package io.tributary.compat;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A group member meant to run in a child JVM so that a test can kill it with SIGKILL: no LeaveGroup,
 * no final commit, its session simply stops. It commits after every poll until it has consumed
 * {@code stopCommittingAfter} records, then goes on consuming without committing, so the records it
 * consumed after its last commit are known exactly. It reports on stdout, one event per line:
 * <pre>
 * assigned 0,3          (the whole assignment after a rebalance)
 * revoked 0,3
 * record P OFFSET VALUE
 * committed P=OFFSET,P=OFFSET   (printed only after the broker acknowledged the commit)
 * commits-stopped
 * </pre>
 * Arguments: bootstrap topic group stopCommittingAfter.
 */
public final class ChildGroupConsumer {

    private ChildGroupConsumer() {
    }

    public static void main(String[] args) {
        String bootstrap = args[0];
        String topic = args[1];
        String group = args[2];
        long stopCommittingAfter = Long.parseLong(args[3]);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "child-" + ProcessHandle.current().pid());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20");

        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            Map<TopicPartition, Long> consumedUpTo = new HashMap<>();
            boolean[] committing = {true};
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (partitions.isEmpty()) {
                        return;
                    }
                    if (committing[0]) {
                        commit(consumer, consumedUpTo, partitions, out);
                    }
                    partitions.forEach(consumedUpTo::remove);
                    out.println("revoked " + list(partitions));
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    out.println("assigned " + list(consumer.assignment()));
                }
            });
            long consumed = 0;
            while (true) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                for (ConsumerRecord<String, String> record : records) {
                    out.println("record " + record.partition() + " " + record.offset() + " " + record.value());
                    consumedUpTo.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
                    consumed++;
                }
                if (committing[0] && !records.isEmpty()) {
                    commit(consumer, consumedUpTo, consumer.assignment(), out);
                    if (consumed >= stopCommittingAfter) {
                        committing[0] = false;
                        out.println("commits-stopped");
                    }
                }
            }
        }
    }

    private static void commit(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> consumedUpTo,
            Collection<TopicPartition> partitions, PrintStream out) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new TreeMap<>(
                (a, b) -> Integer.compare(a.partition(), b.partition()));
        for (TopicPartition tp : partitions) {
            Long upTo = consumedUpTo.get(tp);
            if (upTo != null) {
                offsets.put(tp, new OffsetAndMetadata(upTo));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        consumer.commitSync(offsets, Duration.ofSeconds(20));
        out.println("committed " + offsets.entrySet().stream()
                .map(e -> e.getKey().partition() + "=" + e.getValue().offset())
                .collect(Collectors.joining(",")));
    }

    private static String list(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).collect(Collectors.toCollection(TreeSet::new))
                .stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
