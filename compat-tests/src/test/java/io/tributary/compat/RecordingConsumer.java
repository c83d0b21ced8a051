package io.tributary.compat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A stock KafkaConsumer subscribed to one topic in a group, polled by its own thread. It commits
 * what it consumed after every poll and, through its rebalance listener, before giving partitions
 * up; it records what it consumed, what it committed and every assignment change, so tests can
 * check the group's behaviour from the members' side.
 */
final class RecordingConsumer implements AutoCloseable {

    /** One record as this member saw it. */
    record Consumed(String member, int partition, long offset, String value) {
    }

    /** A partition leaving a member, with the offset the member had committed for it by then (-1: none). */
    record Handoff(String member, int partition, long committed) {
    }

    private final String name;
    private final String topic;
    private final Properties props;
    private final List<Consumed> sink;
    private final Thread thread;

    private final List<Set<Integer>> assignedEvents = new CopyOnWriteArrayList<>();
    private final List<Set<Integer>> revokedEvents = new CopyOnWriteArrayList<>();
    private final List<Set<Integer>> lostEvents = new CopyOnWriteArrayList<>();
    private final List<Handoff> handoffs = new CopyOnWriteArrayList<>();
    private final List<String> commitFailures = new CopyOnWriteArrayList<>();
    private final Map<Integer, Long> committed = new ConcurrentHashMap<>();
    /** Next offset after the last record consumed per partition, during the current ownership only. */
    private final Map<Integer, Long> consumedUpTo = new HashMap<>();

    private volatile Set<Integer> assignment = Set.of();
    private volatile int generation = -1;
    private volatile String memberId = "";
    private volatile Throwable failure;
    private volatile boolean running = true;
    private KafkaConsumer<byte[], byte[]> consumer;

    private RecordingConsumer(String name, String bootstrap, String group, String topic,
            Map<String, Object> overrides, List<Consumed> sink) {
        this.name = name;
        this.topic = topic;
        this.sink = sink;
        props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
        props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "50");
        props.putAll(overrides);
        thread = new Thread(this::run, "group-member-" + name);
        thread.setDaemon(true);
    }

    /** Starts a member polling in the background; {@code sink} receives every record it consumes. */
    static RecordingConsumer start(String name, String bootstrap, String group, String topic,
            Map<String, Object> overrides, List<Consumed> sink) {
        RecordingConsumer member = new RecordingConsumer(name, bootstrap, group, topic, overrides, sink);
        member.thread.start();
        return member;
    }

    String name() {
        return name;
    }

    /** The partitions this member owns now. */
    Set<Integer> assignment() {
        return assignment;
    }

    int generation() {
        return generation;
    }

    String memberId() {
        return memberId;
    }

    /** Every onPartitionsAssigned call (for cooperative assignors: only the added partitions). */
    List<Set<Integer>> assignedEvents() {
        return List.copyOf(assignedEvents);
    }

    /** Every non-empty onPartitionsRevoked call. */
    List<Set<Integer>> revokedEvents() {
        return List.copyOf(revokedEvents);
    }

    List<Set<Integer>> lostEvents() {
        return List.copyOf(lostEvents);
    }

    List<Handoff> handoffs() {
        return List.copyOf(handoffs);
    }

    List<String> commitFailures() {
        return List.copyOf(commitFailures);
    }

    /** The last offset per partition that the broker acknowledged as committed by this member. */
    Map<Integer, Long> committed() {
        return Map.copyOf(committed);
    }

    /** Fails the calling test if the polling thread died. */
    void assertHealthy() {
        if (failure != null) {
            throw new AssertionError("member " + name + " stopped polling: " + failure, failure);
        }
    }

    /** Stops polling and closes the consumer (a dynamic member leaves the group; a static one does not). */
    @Override
    public void close() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(Duration.ofSeconds(40).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            throw new AssertionError("member " + name + " did not close within 40 s");
        }
    }

    @Override
    public String toString() {
        return name + "{assignment=" + new TreeSet<>(assignment) + ", generation=" + generation
                + ", member=" + memberId + "}";
    }

    private void run() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props)) {
            consumer = c;
            c.subscribe(List.of(topic), new Listener());
            while (running) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = c.poll(Duration.ofMillis(100));
                } catch (WakeupException e) {
                    break;
                }
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    sink.add(new Consumed(name, record.partition(), record.offset(),
                            new String(record.value(), StandardCharsets.UTF_8)));
                    consumedUpTo.merge(record.partition(), record.offset() + 1, Math::max);
                }
                if (!records.isEmpty()) {
                    commit(partitionsOf(c.assignment()), "after poll");
                }
                ConsumerGroupMetadata metadata = c.groupMetadata();
                generation = metadata.generationId();
                memberId = metadata.memberId();
                assignment = partitionsOf(c.assignment());
            }
        } catch (WakeupException e) {
            // close() during a callback or commit.
        } catch (Throwable e) {
            failure = e;
        }
    }

    private void commit(Collection<Integer> partitions, String why) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (int p : partitions) {
            Long upTo = consumedUpTo.get(p);
            if (upTo != null && upTo > committed.getOrDefault(p, -1L)) {
                offsets.put(new TopicPartition(topic, p), new OffsetAndMetadata(upTo));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets, Duration.ofSeconds(20));
            offsets.forEach((tp, offset) -> committed.put(tp.partition(), offset.offset()));
        } catch (WakeupException e) {
            throw e;
        } catch (KafkaException e) {
            commitFailures.add(why + " " + offsets.keySet() + ": " + e);
        }
    }

    private static Set<Integer> partitionsOf(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).collect(Collectors.toUnmodifiableSet());
    }

    private final class Listener implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            Set<Integer> revoked = partitionsOf(partitions);
            revokedEvents.add(revoked);
            commit(revoked, "on revocation");
            giveUp(revoked);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            Set<Integer> lost = partitionsOf(partitions);
            lostEvents.add(lost);
            giveUp(lost);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            assignedEvents.add(partitionsOf(partitions));
            assignment = partitionsOf(consumer.assignment());
            ConsumerGroupMetadata metadata = consumer.groupMetadata();
            generation = metadata.generationId();
            memberId = metadata.memberId();
        }

        private void giveUp(Set<Integer> partitions) {
            for (int p : partitions) {
                handoffs.add(new Handoff(name, p, committed.getOrDefault(p, -1L)));
                consumedUpTo.remove(p);
            }
            Set<Integer> left = new TreeSet<>(assignment);
            left.removeAll(partitions);
            assignment = Set.copyOf(left);
        }
    }
}
