package io.tributary.compat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Jepsen's Kafka queue workload, shortened: idempotent acks=all producers send unique values
 * ("q{producer}-{seq}", partition {@code seq % partitions}) at a steady rate, and a consumer with
 * assign() reads every partition from the start while it happens. Everything is recorded for
 * {@link QueueChecker}: what was sent, what was acknowledged where, what failed, what was read where.
 */
final class QueueWorkload {

    /** One send: which producer, its sequence number, the partition, and how it ended. */
    static final class Attempt {
        final int producer;
        final long seq;
        final int partition;
        volatile long ackedOffset = -1;
        volatile Throwable error;

        Attempt(int producer, long seq, int partition) {
            this.producer = producer;
            this.seq = seq;
            this.partition = partition;
        }

        boolean acknowledged() {
            return ackedOffset >= 0;
        }
    }

    /** A record the live consumer read. */
    record Read(int partition, long offset, String value) {
    }

    private static final int MAX_OUTSTANDING_PER_PRODUCER = 500;

    private final String bootstrap;
    private final String topic;
    private final int partitions;
    private final int producers;
    private final int recordsPerSecondPerProducer;
    private final Map<String, Attempt> attempts = new ConcurrentHashMap<>();
    private final List<Read> reads = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong consumerErrors = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Semaphore> outstanding = new ArrayList<>();
    private final List<KafkaProducer<byte[], byte[]>> openProducers = new ArrayList<>();
    private volatile boolean producing = true;
    private volatile boolean consuming = true;

    QueueWorkload(String bootstrap, String topic, int partitions, int producers, int recordsPerSecondPerProducer) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.partitions = partitions;
        this.producers = producers;
        this.recordsPerSecondPerProducer = recordsPerSecondPerProducer;
    }

    static String value(int producer, long seq) {
        return "q" + producer + "-" + seq;
    }

    void start() {
        for (int p = 0; p < producers; p++) {
            KafkaProducer<byte[], byte[]> producer = Clients.producer(bootstrap, Map.of(
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.LINGER_MS_CONFIG, 5,
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
                    ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 500));
            openProducers.add(producer);
            Semaphore limit = new Semaphore(MAX_OUTSTANDING_PER_PRODUCER);
            outstanding.add(limit);
            int index = p;
            threads.add(daemon("queue-producer-" + p, () -> produce(index, producer, limit)));
        }
        threads.add(daemon("queue-consumer", this::consume));
        threads.forEach(Thread::start);
    }

    private void produce(int index, KafkaProducer<byte[], byte[]> producer, Semaphore limit) {
        long interval = TimeUnit.SECONDS.toNanos(1) / recordsPerSecondPerProducer;
        long next = System.nanoTime();
        for (long seq = 0; producing; seq++) {
            next = Math.max(next + interval, System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(100));
            long wait = next - System.nanoTime();
            try {
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                while (!limit.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    if (!producing) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                return;
            }
            String value = value(index, seq);
            Attempt attempt = new Attempt(index, seq, (int) (seq % partitions));
            attempts.put(value, attempt);
            try {
                producer.send(new ProducerRecord<>(topic, attempt.partition, null, value.getBytes(StandardCharsets.UTF_8)),
                        (metadata, error) -> {
                            if (error == null) {
                                attempt.ackedOffset = metadata.offset();
                            } else {
                                attempt.error = error;
                            }
                            limit.release();
                        });
            } catch (RuntimeException e) {
                // send() gives up before anything is sent (e.g. no metadata within max.block.ms).
                attempt.error = e;
                limit.release();
            }
        }
    }

    private void consume() {
        List<TopicPartition> all = Clients.partitions(topic, partitions);
        try (KafkaConsumer<byte[], byte[]> consumer = Clients.consumer(bootstrap, Map.of(
                ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000))) {
            consumer.assign(all);
            consumer.seekToBeginning(all);
            while (consuming) {
                try {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        reads.add(new Read(record.partition(), record.offset(),
                                new String(record.value(), StandardCharsets.UTF_8)));
                    }
                } catch (org.apache.kafka.common.errors.WakeupException e) {
                    return;
                } catch (RuntimeException e) {
                    // Kept going: a consumer must survive failovers; the error count is reported.
                    consumerErrors.incrementAndGet();
                    BrokerProcess.sleep(Duration.ofMillis(200));
                }
            }
        }
    }

    /** Stops sending and waits until every send has been acknowledged or has failed. */
    void stopProducers(Duration timeout) {
        producing = false;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int p = 0; p < producers; p++) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                if (!outstanding.get(p).tryAcquire(MAX_OUTSTANDING_PER_PRODUCER, left, TimeUnit.NANOSECONDS)) {
                    throw new AssertionError("producer " + p + " still has unanswered sends after "
                            + timeout.toSeconds() + " s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        openProducers.forEach(producer -> producer.close(Duration.ofSeconds(5)));
    }

    /** Lets the live consumer read until it has seen {@code offsets} (end offsets), or the timeout. */
    void stopConsumer(Map<TopicPartition, Long> endOffsets, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && !consumerCaughtUp(endOffsets)) {
            BrokerProcess.sleep(Duration.ofMillis(200));
        }
        consuming = false;
        for (Thread thread : threads) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(15));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private boolean consumerCaughtUp(Map<TopicPartition, Long> endOffsets) {
        Map<Integer, Long> highest = new java.util.HashMap<>();
        synchronized (reads) {
            for (Read read : reads) {
                highest.merge(read.partition(), read.offset(), Math::max);
            }
        }
        for (Map.Entry<TopicPartition, Long> end : endOffsets.entrySet()) {
            if (end.getValue() > 0 && highest.getOrDefault(end.getKey().partition(), -1L) < end.getValue() - 1) {
                return false;
            }
        }
        return true;
    }

    /** Shuts everything down without waiting for anything (after a failure). */
    void abort() {
        producing = false;
        consuming = false;
        openProducers.forEach(producer -> producer.close(Duration.ZERO));
    }

    Map<String, Attempt> attempts() {
        return attempts;
    }

    List<Read> reads() {
        synchronized (reads) {
            return List.copyOf(reads);
        }
    }

    long consumerErrors() {
        return consumerErrors.get();
    }

    String topic() {
        return topic;
    }

    int partitions() {
        return partitions;
    }

    private static Thread daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }
}
