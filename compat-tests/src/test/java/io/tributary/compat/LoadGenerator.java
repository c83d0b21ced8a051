package io.tributary.compat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends distinct values ("load-0", "load-1", ...) round-robin over the partitions (three unless
 * told) from a background thread until stopped, as fast as the broker takes them or at a steady
 * rate, and remembers where the broker said each acknowledged one went. It can pause in between.
 */
final class LoadGenerator implements AutoCloseable {

    /** Where the broker put an acknowledged record. */
    record Ack(int partition, long offset) {
    }

    /** Bounds unacknowledged sends so a dead broker does not make the producer buffer everything. */
    private static final int MAX_OUTSTANDING = 2_000;
    private static final int DEFAULT_PARTITIONS = 3;

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final Semaphore outstanding = new Semaphore(MAX_OUTSTANDING);
    private final Map<String, Ack> acknowledged = new ConcurrentHashMap<>();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
    private final Thread sender;
    private final int partitions;
    /** Nanoseconds between sends; 0 sends as fast as the outstanding limit allows. */
    private final long intervalNanos;
    private volatile boolean running = true;
    private volatile boolean paused;

    LoadGenerator(KafkaProducer<byte[], byte[]> producer, String topic) {
        this(producer, topic, DEFAULT_PARTITIONS, 0);
    }

    /** @param recordsPerSecond a steady rate over all partitions; 0 for as fast as possible */
    LoadGenerator(KafkaProducer<byte[], byte[]> producer, String topic, int partitions, int recordsPerSecond) {
        this.producer = producer;
        this.topic = topic;
        this.partitions = partitions;
        this.intervalNanos = recordsPerSecond <= 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / recordsPerSecond;
        this.sender = new Thread(this::sendUntilStopped, "load-generator");
        this.sender.setDaemon(true);
    }

    /** Stops sending new records until {@link #resume} (those already sent still complete). */
    void pause() {
        paused = true;
    }

    void resume() {
        paused = false;
    }

    void start() {
        sender.start();
    }

    /** A snapshot of acknowledged values and their positions. */
    Map<String, Ack> acknowledged() {
        return Map.copyOf(acknowledged);
    }

    void awaitAcknowledged(long count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (acknowledged.size() < count) {
            if (System.nanoTime() > deadline || !sender.isAlive()) {
                throw new AssertionError("only " + acknowledged.size() + " of " + count
                        + " records acknowledged within " + timeout.toSeconds() + " s; " + failed.get()
                        + " sends failed, first failure: " + firstFailure.get());
            }
            BrokerProcess.sleep(Duration.ofMillis(50));
        }
    }

    /** Stops sending and waits until every send has either been acknowledged or failed. */
    void stopAndDrain(Duration timeout) throws InterruptedException {
        running = false;
        sender.join(timeout.toMillis());
        producer.flush();
        if (!outstanding.tryAcquire(MAX_OUTSTANDING, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("sends still unanswered after " + timeout.toSeconds() + " s");
        }
        outstanding.release(MAX_OUTSTANDING);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        sender.join(Duration.ofSeconds(10).toMillis());
    }

    private void sendUntilStopped() {
        long next = System.nanoTime();
        for (long i = 0; running; i++) {
            String value = "load-" + i;
            try {
                if (paused) {
                    Thread.sleep(20);
                    next = System.nanoTime();
                    i--;
                    continue;
                }
                if (intervalNanos > 0) {
                    // After a stall (a failover) carry on at the rate, without a burst to catch up.
                    next = Math.max(next + intervalNanos, System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(100));
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
                if (!outstanding.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    i--;
                    continue;
                }
                producer.send(new ProducerRecord<>(topic, (int) (i % partitions), null,
                        value.getBytes(StandardCharsets.UTF_8)), (metadata, error) -> {
                            if (error == null) {
                                acknowledged.put(value, new Ack(metadata.partition(), metadata.offset()));
                            } else {
                                failed.incrementAndGet();
                                firstFailure.compareAndSet(null, error);
                            }
                            outstanding.release();
                        });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // send() itself can throw while the broker is gone (e.g. metadata timeout); keep going.
                failed.incrementAndGet();
                firstFailure.compareAndSet(null, e);
                outstanding.release();
            }
        }
    }
}
