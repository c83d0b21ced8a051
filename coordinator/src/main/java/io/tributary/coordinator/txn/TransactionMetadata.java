package io.tributary.coordinator.txn;

import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * What the transaction coordinator keeps of one transactional id: one record value of
 * {@code __transaction_state}. Immutable: a transition makes a new one, which becomes the state when its
 * record is replayed.
 *
 * @param producerId         the producer id in use
 * @param previousProducerId the one before it, when the epoch ran out and a new id was handed out (-1 if
 *                           none): a producer that retries its InitProducerId with the old id is recognised
 * @param producerEpoch      the current epoch; requests and markers carry it
 * @param lastProducerEpoch  the epoch before the last bump (-1 if none), of the previous producer id after
 *                           a new one: an InitProducerId retried after it succeeded gets the current epoch
 *                           instead of being fenced
 * @param timeoutMs          the producer's transaction.timeout.ms
 * @param partitions         the partitions of the current (or last) transaction
 * @param startMs            when the current transaction began (-1 if none has since the last bump)
 * @param lastUpdateMs       the last transition
 */
public record TransactionMetadata(String transactionalId, long producerId, long previousProducerId, short producerEpoch,
                                  short lastProducerEpoch, int timeoutMs, TransactionState state,
                                  Set<TopicPartition> partitions, long startMs, long lastUpdateMs) {
    /** The largest epoch that can still be bumped by a fence; InitProducerId hands out a new id past it. */
    static final short EXHAUSTED_EPOCH = Short.MAX_VALUE - 1;

    public TransactionMetadata {
        partitions = Set.copyOf(partitions);
    }

    /** A new transactional id: a fresh producer id at epoch 0, no transaction yet. */
    static TransactionMetadata created(String transactionalId, long producerId, int timeoutMs, long nowMs) {
        return new TransactionMetadata(transactionalId, producerId, -1, (short) 0, (short) -1, timeoutMs,
                TransactionState.EMPTY, Set.of(), -1, nowMs);
    }

    boolean epochExhausted() {
        return producerEpoch >= EXHAUSTED_EPOCH;
    }

    /**
     * InitProducerId between transactions: the next epoch, or a new producer id once the epoch ran out
     * ({@code newProducerId}, used only then).
     */
    TransactionMetadata bumped(int newTimeoutMs, long newProducerId, long nowMs) {
        check(TransactionState.EMPTY);
        if (epochExhausted()) {
            return new TransactionMetadata(transactionalId, newProducerId, producerId, (short) 0, producerEpoch, newTimeoutMs,
                    TransactionState.EMPTY, Set.of(), -1, nowMs);
        }
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, (short) (producerEpoch + 1),
                producerEpoch, newTimeoutMs, TransactionState.EMPTY, Set.of(), -1, nowMs);
    }

    /** Partitions join the transaction, which begins now unless it is already running. */
    TransactionMetadata withPartitions(Set<TopicPartition> added, long nowMs) {
        check(TransactionState.ONGOING);
        boolean running = state == TransactionState.ONGOING;
        Set<TopicPartition> all = new HashSet<>(running ? partitions : Set.of());
        all.addAll(added);
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, producerEpoch, lastProducerEpoch,
                timeoutMs, TransactionState.ONGOING, all, running ? startMs : nowMs, nowMs);
    }

    /** EndTxn: the decision is taken, its markers are still to be written. */
    TransactionMetadata prepared(boolean commit, long nowMs) {
        return to(commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT, nowMs);
    }

    /**
     * The producer is fenced and its open transaction aborted (a new producer with its id, or its timeout):
     * the next epoch, whose abort markers the old producer's late writes cannot get past.
     */
    TransactionMetadata fenced(long nowMs) {
        check(TransactionState.PREPARE_ABORT);
        // An epoch at its maximum cannot grow; the abort still happens, and the next InitProducerId hands out a new id.
        short next = producerEpoch < Short.MAX_VALUE ? (short) (producerEpoch + 1) : producerEpoch;
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, next, producerEpoch, timeoutMs,
                TransactionState.PREPARE_ABORT, partitions, startMs, nowMs);
    }

    /** Every marker is written; the partitions are the transaction's no more. */
    TransactionMetadata completed(long nowMs) {
        TransactionState next = state == TransactionState.PREPARE_COMMIT ? TransactionState.COMPLETE_COMMIT
                : TransactionState.COMPLETE_ABORT;
        check(next);
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, producerEpoch, lastProducerEpoch,
                timeoutMs, next, Set.of(), startMs, nowMs);
    }

    private TransactionMetadata to(TransactionState next, long nowMs) {
        check(next);
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, producerEpoch, lastProducerEpoch,
                timeoutMs, next, partitions, startMs, nowMs);
    }

    private void check(TransactionState next) {
        if (!next.validPrevious().contains(state)) {
            throw new IllegalStateException(transactionalId + ": " + state.displayName() + " cannot become "
                    + next.displayName());
        }
    }
}
