package io.tributary.compat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/** Shared pieces of the consumer-group tests: broker settings, producing numbered values, admin views. */
final class Groups {

    /**
     * Brokers for group tests: no initial rebalance delay (Kafka's 3 s default would only slow the
     * tests down) and a small {@code __consumer_offsets} so it is created quickly.
     */
    static final Map<String, String> BROKER_SETTINGS = Map.of(
            "group.initial.rebalance.delay.ms", "0",
            "offsets.topic.num.partitions", "8");

    private Groups() {
    }

    static String uniqueGroup(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * Sends values {@code prefix-from} .. {@code prefix-(from+count-1)}, value i to partition
     * {@code i % partitions}, and waits for all of them to be acknowledged. Returns the values.
     */
    static List<String> produce(String bootstrap, String topic, int partitions, String prefix, int from, int count) {
        List<String> values = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap)) {
            List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
            for (int i = from; i < from + count; i++) {
                String value = prefix + "-" + i;
                values.add(value);
                acks.add(producer.send(new ProducerRecord<>(topic, i % partitions, null,
                        value.getBytes(StandardCharsets.UTF_8))));
            }
            producer.flush();
            acks.forEach(Clients::await);
        }
        return values;
    }

    /** The group as DescribeGroups shows it. */
    static ConsumerGroupDescription describe(Admin admin, String group) {
        return Clients.await(admin.describeConsumerGroups(List.of(group)).describedGroups().get(group));
    }

    /** Committed offsets of the group (partitions without a committed offset left out). */
    static Map<TopicPartition, Long> committed(Admin admin, String group) {
        Map<TopicPartition, OffsetAndMetadata> offsets =
                Clients.await(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
        Map<TopicPartition, Long> result = new TreeMap<>(
                (a, b) -> a.topic().equals(b.topic()) ? Integer.compare(a.partition(), b.partition())
                        : a.topic().compareTo(b.topic()));
        offsets.forEach((tp, offset) -> {
            if (offset != null) {
                result.put(tp, offset.offset());
            }
        });
        return result;
    }

    /** Whether ListGroups still lists the group. */
    static boolean isListed(Admin admin, String group) {
        return Clients.await(admin.listGroups().all()).stream().anyMatch(g -> g.groupId().equals(group));
    }

    /** True when DescribeGroups says the group does not exist (Dead, or GROUP_ID_NOT_FOUND). */
    static boolean isGone(Admin admin, String group) {
        try {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group))
                    .describedGroups().get(group).get(30, TimeUnit.SECONDS);
            return description.groupState() == org.apache.kafka.common.GroupState.DEAD;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return true;
            }
            throw new AssertionError("describing group " + group + " failed: " + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new AssertionError("describing group " + group + " failed: " + e, e);
        }
    }

    static Map<TopicPartition, Long> endOffsets(Admin admin, String topic, int partitions) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        Clients.partitions(topic, partitions).forEach(tp -> request.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> result = new HashMap<>();
        Clients.await(admin.listOffsets(request).all()).forEach((tp, info) -> result.put(tp, info.offset()));
        return result;
    }

    /** Waits until each member owns exactly the given number of partitions and together they own all. */
    static void awaitBalanced(Duration timeout, int partitions, Map<RecordingConsumer, Integer> expected) {
        Eventually.holds(timeout, () -> {
            Set<Integer> union = new java.util.TreeSet<>();
            int total = 0;
            for (Map.Entry<RecordingConsumer, Integer> entry : expected.entrySet()) {
                RecordingConsumer member = entry.getKey();
                member.assertHealthy();
                if (member.assignment().size() != entry.getValue()) {
                    throw new AssertionError("not balanced yet: " + expected.keySet());
                }
                union.addAll(member.assignment());
                total += member.assignment().size();
            }
            if (union.size() != partitions || total != partitions) {
                throw new AssertionError("members do not own every partition exactly once: " + expected.keySet());
            }
        });
    }
}
