package io.tributary.replication.replica;

import io.tributary.replication.codec.ByteReader;
import io.tributary.replication.codec.ByteWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.protocol.Errors;

/**
 * Producer state of one partition, checked in Raft order on every replica, as Kafka keeps it: per
 * producer id its epoch, its last five batches (sequence range, offsets), the coordinator epoch and offset
 * of the last transaction marker it got, and the first offset of its open transaction, if one is open.
 *
 * <p>Changed only by the replica group's apply thread; {@link #describe()} may run on any thread.
 *
 * <p>In a replica group snapshot: count:int32, then per producer: producerId:int64 epoch:int16
 * lastTimestamp:int64 coordinatorEpoch:int32 txnFirstOffset:int64 (these two from snapshot version 2)
 * lastMarkerOffset:int64 (from version 3; -1 for none) count:int32 (firstSeq:int32 lastSeq:int32
 * firstOffset:int64 timestamp:int64)*.
 */
public final class ProducerStateTable {
    static final int MAX_BATCHES = 5;

    private final Map<Long, Producer> producers = new HashMap<>();
    /** Open transactions: first offset to producer id. The smallest key bounds the last stable offset. */
    private final TreeMap<Long, Long> openTxns = new TreeMap<>();

    private static final class Producer {
        short epoch;
        int coordinatorEpoch = -1;
        long txnFirstOffset = -1;
        long lastMarkerOffset = -1;
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

        static Verdict reject(Errors error) {
            return new Verdict(error, -1, -1);
        }

        public boolean isDuplicate() {
            return duplicateOffset >= 0;
        }
    }

    /**
     * What a transactional batch of the producer expects to find, as its leader saw it before asking the
     * transaction coordinator: the offset of the producer's last marker. A batch checked against it is
     * refused if a marker came in between (the transaction it was verified for has ended: KIP-890's
     * verification guard); {@link #UNCHECKED} skips the check (entries written before it existed).
     */
    public static final long UNCHECKED = Long.MIN_VALUE;

    /**
     * In place of a marker offset: a transactional batch of transaction protocol version 2, whose epoch
     * guards it instead. Its previous transaction's markers carry that epoch and may come in between
     * harmlessly; its own transaction's markers carry a higher one, after which the batch is refused for
     * its epoch.
     */
    public static final long EPOCH_GUARDED = Long.MIN_VALUE + 1;

    /** A producer's transaction as its partition leader sees it: open or not, and its last marker (-1 if none). */
    public record TxnView(short epoch, long txnFirstOffset, long lastMarkerOffset) {
        public boolean open() {
            return txnFirstOffset >= 0;
        }
    }

    /** One producer as DescribeProducers shows it; {@code txnFirstOffset} is -1 without an open transaction. */
    public record ProducerView(long producerId, short epoch, int lastSequence, long lastTimestamp, int coordinatorEpoch,
                               long txnFirstOffset) {
    }

    /**
     * Checks a batch of records from {@code producerId} against the state, without changing it.
     *
     * @param expectedMarker for a transactional batch, the producer's last marker offset its leader verified
     *                       against (see {@link #UNCHECKED})
     */
    public synchronized Verdict check(long producerId, short epoch, int firstSeq, int lastSeq, boolean transactional,
                                      long expectedMarker) {
        Producer p = producers.get(producerId);
        if (transactional && markerCameBetween(p, expectedMarker)) {
            return Verdict.reject(Errors.INVALID_TXN_STATE);
        }
        // Under transaction protocol version 2 every transaction has an epoch of its own, whose sequences
        // start at 0: a batch that finds no earlier one of its epoch here must be the first.
        boolean startsItsEpoch = expectedMarker == EPOCH_GUARDED;
        if (p == null) {
            // Unknown producer (new, or its state expired): any sequence is accepted, as in Kafka.
            return startsItsEpoch && firstSeq != 0 ? Verdict.reject(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER) : Verdict.APPEND;
        }
        if (epoch < p.epoch) {
            return Verdict.reject(Errors.INVALID_PRODUCER_EPOCH);
        }
        if (epoch > p.epoch) {
            return firstSeq == 0 ? Verdict.APPEND : Verdict.reject(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
        }
        for (BatchMeta b : p.batches) {
            if (b.firstSeq() == firstSeq && b.lastSeq() == lastSeq) {
                return new Verdict(Errors.NONE, b.firstOffset(), b.timestamp());
            }
        }
        if (!transactional && p.txnFirstOffset >= 0) {
            return Verdict.reject(Errors.INVALID_TXN_STATE);
        }
        int last = p.lastSequence();
        boolean inSequence = last < 0 ? !startsItsEpoch || firstSeq == 0
                : firstSeq == last + 1 || (firstSeq == 0 && last == Integer.MAX_VALUE);
        return inSequence ? Verdict.APPEND : Verdict.reject(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER);
    }

    private static boolean markerCameBetween(Producer p, long expectedMarker) {
        return expectedMarker != UNCHECKED && expectedMarker != EPOCH_GUARDED
                && expectedMarker != (p == null ? -1 : p.lastMarkerOffset);
    }

    /**
     * Checks a transactional batch without sequence numbers (a coordinator's records in a producer's
     * transaction, as Kafka writes transactional offset commits): NONE, INVALID_PRODUCER_EPOCH or
     * INVALID_TXN_STATE.
     */
    public synchronized Errors checkUnsequenced(long producerId, short epoch, long expectedMarker) {
        Producer p = producers.get(producerId);
        if (p != null && epoch < p.epoch) {
            return Errors.INVALID_PRODUCER_EPOCH;
        }
        return markerCameBetween(p, expectedMarker) ? Errors.INVALID_TXN_STATE : Errors.NONE;
    }

    /** Records an appended transactional batch without sequence numbers: it opens the producer's transaction if none is open. */
    public synchronized void recordUnsequenced(long producerId, short epoch, long firstOffset, long timestamp) {
        Producer p = producers.computeIfAbsent(producerId, id -> new Producer());
        bumpEpoch(p, epoch);
        p.lastTimestamp = timestamp;
        openTxn(p, producerId, firstOffset);
    }

    private void openTxn(Producer p, long producerId, long firstOffset) {
        if (p.txnFirstOffset < 0) {
            p.txnFirstOffset = firstOffset;
            openTxns.put(firstOffset, producerId);
        }
    }

    /** Records an appended batch of records; a transactional one opens its producer's transaction if none is open. */
    public synchronized void record(long producerId, short epoch, int firstSeq, int lastSeq, long firstOffset,
                                    long timestamp, boolean transactional) {
        Producer p = producers.computeIfAbsent(producerId, id -> new Producer());
        bumpEpoch(p, epoch);
        p.batches.addLast(new BatchMeta(firstSeq, lastSeq, firstOffset, timestamp));
        if (p.batches.size() > MAX_BATCHES) {
            p.batches.removeFirst();
        }
        p.lastTimestamp = timestamp;
        if (transactional) {
            openTxn(p, producerId, firstOffset);
        }
    }

    private static void bumpEpoch(Producer p, short epoch) {
        if (epoch != p.epoch) {
            p.batches.clear();
            p.epoch = epoch;
        }
    }

    /**
     * Checks a commit or abort marker for {@code producerId}, as the transaction coordinator in
     * {@code coordinatorEpoch} sends it: a marker from an older producer epoch or an older coordinator is
     * refused. A marker for a producer without an open transaction is accepted and ends nothing, so a
     * coordinator may send a marker again.
     */
    public synchronized Errors checkMarker(long producerId, short epoch, int coordinatorEpoch) {
        Producer p = producers.get(producerId);
        if (p == null) {
            return Errors.NONE;
        }
        if (epoch < p.epoch) {
            return Errors.INVALID_PRODUCER_EPOCH;
        }
        if (coordinatorEpoch < p.coordinatorEpoch) {
            return Errors.TRANSACTION_COORDINATOR_FENCED;
        }
        return Errors.NONE;
    }

    /** Records a marker appended at {@code offset}; returns the first offset of the transaction it ended, -1 if none was open. */
    public synchronized long endTxn(long producerId, short epoch, int coordinatorEpoch, long offset, long timestamp) {
        Producer p = producers.computeIfAbsent(producerId, id -> new Producer());
        bumpEpoch(p, epoch);
        p.coordinatorEpoch = coordinatorEpoch;
        p.lastMarkerOffset = offset;
        p.lastTimestamp = timestamp;
        long first = p.txnFirstOffset;
        if (first >= 0) {
            openTxns.remove(first);
            p.txnFirstOffset = -1;
        }
        return first;
    }

    /** The producer's transaction here, for its leader's check before a transactional batch. */
    public synchronized TxnView txnView(long producerId) {
        Producer p = producers.get(producerId);
        return p == null ? new TxnView((short) -1, -1, -1) : new TxnView(p.epoch, p.txnFirstOffset, p.lastMarkerOffset);
    }

    /** The first offset of the earliest open transaction, -1 if none is open. */
    public synchronized long firstUnstableOffset() {
        return openTxns.isEmpty() ? -1 : openTxns.firstKey();
    }

    /**
     * Forgets producers that wrote nothing since {@code olderThan} (producer.id.expiration.ms), except
     * those with an open transaction: only its coordinator may end it.
     */
    public synchronized void expire(long olderThan) {
        producers.values().removeIf(p -> p.lastTimestamp < olderThan && p.txnFirstOffset < 0);
    }

    /** Forgets batches and transactions at or after {@code offset} (the log was truncated there). */
    public synchronized void truncateFromEnd(long offset) {
        for (Iterator<Producer> it = producers.values().iterator(); it.hasNext(); ) {
            Producer p = it.next();
            p.batches.removeIf(b -> b.firstOffset() >= offset);
            if (p.txnFirstOffset >= offset) {
                openTxns.remove(p.txnFirstOffset);
                p.txnFirstOffset = -1;
            }
            if (p.lastMarkerOffset >= offset) {
                p.lastMarkerOffset = -1;
            }
            if (p.batches.isEmpty() && p.txnFirstOffset < 0 && p.coordinatorEpoch < 0) {
                it.remove();
            }
        }
    }

    public synchronized int size() {
        return producers.size();
    }

    /** Every producer the partition remembers. */
    public synchronized List<ProducerView> describe() {
        List<ProducerView> out = new ArrayList<>(producers.size());
        producers.forEach((id, p) -> out.add(new ProducerView(id, p.epoch, p.lastSequence(), p.lastTimestamp,
                p.coordinatorEpoch, p.txnFirstOffset)));
        return out;
    }

    synchronized void encode(ByteWriter w) {
        w.putInt(producers.size());
        producers.forEach((id, p) -> {
            w.putLong(id).putShort(p.epoch).putLong(p.lastTimestamp).putInt(p.coordinatorEpoch).putLong(p.txnFirstOffset)
                    .putLong(p.lastMarkerOffset).putInt(p.batches.size());
            for (BatchMeta b : p.batches) {
                w.putInt(b.firstSeq()).putInt(b.lastSeq()).putLong(b.firstOffset()).putLong(b.timestamp());
            }
        });
    }

    /** @param snapshotVersion the replica group snapshot's version, which says which fields there are */
    static ProducerStateTable decode(ByteReader r, int snapshotVersion) {
        ProducerStateTable table = new ProducerStateTable();
        for (int i = r.count(); i > 0; i--) {
            Producer p = new Producer();
            long id = r.getLong();
            p.epoch = r.getShort();
            p.lastTimestamp = r.getLong();
            if (snapshotVersion >= 2) {
                p.coordinatorEpoch = r.getInt();
                p.txnFirstOffset = r.getLong();
            }
            if (snapshotVersion >= 3) {
                p.lastMarkerOffset = r.getLong();
            }
            for (int j = r.count(); j > 0; j--) {
                p.batches.addLast(new BatchMeta(r.getInt(), r.getInt(), r.getLong(), r.getLong()));
            }
            table.producers.put(id, p);
            if (p.txnFirstOffset >= 0) {
                table.openTxns.put(p.txnFirstOffset, id);
            }
        }
        return table;
    }
}
