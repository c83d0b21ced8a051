package io.tributary.replication.replica;

import io.tributary.replication.codec.ByteReader;
import io.tributary.replication.codec.ByteWriter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.kafka.common.protocol.Errors;

/**
 * Idempotent-producer state of one partition, checked in Raft order on every replica: per producer id
 * its epoch and its last five batches (sequence range, offsets), as Kafka keeps them.
 */
public final class ProducerStateTable {
    static final int MAX_BATCHES = 5;

    private final Map<Long, Producer> producers = new HashMap<>();

    private static final class Producer {
        short epoch;
        long lastTimestamp;
        final Deque<BatchMeta> batches = new ArrayDeque<>();

        int lastSequence() {
            return batches.isEmpty() ? -1 : batches.peekLast().lastSeq();
        }
    }

    /** One appended batch: its sequence range and where it landed. */
    record BatchMeta(int firstSeq, int lastSeq, long firstOffset, long timestamp) {
    }

    /** The verdict on a batch: append it, answer it as a duplicate of an earlier one, or reject it. */
    public record Verdict(Errors error, long duplicateOffset, long duplicateTimestamp) {
        static final Verdict APPEND = new Verdict(Errors.NONE, -1, -1);

        public boolean isDuplicate() {
            return duplicateOffset >= 0;
        }
    }

    /** Checks a batch from {@code producerId} against the state, without changing it. */
    public Verdict check(long producerId, short epoch, int firstSeq, int lastSeq) {
        Producer p = producers.get(producerId);
        if (p == null) {
            // Unknown producer (new, or its state expired): any sequence is accepted, as in Kafka.
            return Verdict.APPEND;
        }
        if (epoch < p.epoch) {
            return new Verdict(Errors.INVALID_PRODUCER_EPOCH, -1, -1);
        }
        if (epoch > p.epoch) {
            return firstSeq == 0 ? Verdict.APPEND : new Verdict(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, -1, -1);
        }
        for (BatchMeta b : p.batches) {
            if (b.firstSeq() == firstSeq && b.lastSeq() == lastSeq) {
                return new Verdict(Errors.NONE, b.firstOffset(), b.timestamp());
            }
        }
        int last = p.lastSequence();
        boolean inSequence = last < 0 || firstSeq == last + 1 || (firstSeq == 0 && last == Integer.MAX_VALUE);
        return inSequence ? Verdict.APPEND : new Verdict(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, -1, -1);
    }

    /** Records an appended batch. */
    public void record(long producerId, short epoch, int firstSeq, int lastSeq, long firstOffset, long timestamp) {
        Producer p = producers.computeIfAbsent(producerId, id -> new Producer());
        if (epoch != p.epoch) {
            p.batches.clear();
            p.epoch = epoch;
        }
        p.batches.addLast(new BatchMeta(firstSeq, lastSeq, firstOffset, timestamp));
        if (p.batches.size() > MAX_BATCHES) {
            p.batches.removeFirst();
        }
        p.lastTimestamp = timestamp;
    }

    /** Forgets producers that wrote nothing since {@code olderThan} (producer.id.expiration.ms). */
    public void expire(long olderThan) {
        producers.values().removeIf(p -> p.lastTimestamp < olderThan);
    }

    /** Forgets batches at or after {@code offset} (the log was truncated there). */
    public void truncateFromEnd(long offset) {
        for (Iterator<Producer> it = producers.values().iterator(); it.hasNext(); ) {
            Producer p = it.next();
            p.batches.removeIf(b -> b.firstOffset() >= offset);
            if (p.batches.isEmpty()) {
                it.remove();
            }
        }
    }

    public int size() {
        return producers.size();
    }

    void encode(ByteWriter w) {
        w.putInt(producers.size());
        producers.forEach((id, p) -> {
            w.putLong(id).putShort(p.epoch).putLong(p.lastTimestamp).putInt(p.batches.size());
            for (BatchMeta b : p.batches) {
                w.putInt(b.firstSeq()).putInt(b.lastSeq()).putLong(b.firstOffset()).putLong(b.timestamp());
            }
        });
    }

    static ProducerStateTable decode(ByteReader r) {
        ProducerStateTable table = new ProducerStateTable();
        for (int i = r.count(); i > 0; i--) {
            Producer p = new Producer();
            long id = r.getLong();
            p.epoch = r.getShort();
            p.lastTimestamp = r.getLong();
            for (int j = r.count(); j > 0; j--) {
                p.batches.addLast(new BatchMeta(r.getInt(), r.getInt(), r.getLong(), r.getLong()));
            }
            table.producers.put(id, p);
        }
        return table;
    }
}
