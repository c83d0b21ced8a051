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
 * @param nextProducerId     while a transaction ends whose bumped epoch (protocol version 2) reached the
 *                           largest one: the producer id the producer goes on with, at epoch 0; else -1
 */
public record TransactionMetadata(String transactionalId, long producerId, long previousProducerId, short producerEpoch,
                                  short lastProducerEpoch, int timeoutMs, TransactionState state,
                                  Set<TopicPartition> partitions, long startMs, long lastUpdateMs, long nextProducerId) {
    /** The largest epoch that can still be bumped by a fence; InitProducerId hands out a new id past it. */
    static final short EXHAUSTED_EPOCH = Short.MAX_VALUE - 1;

    public TransactionMetadata {
        partitions = Set.copyOf(partitions);
    }

    /** A new transactional id: a fresh producer id at epoch 0, no transaction yet. */
    static TransactionMetadata created(String transactionalId, long producerId, int timeoutMs, long nowMs) {
        return new TransactionMetadata(transactionalId, producerId, -1, (short) 0, (short) -1, timeoutMs,
                TransactionState.EMPTY, Set.of(), -1, nowMs, -1);
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
                    TransactionState.EMPTY, Set.of(), -1, nowMs, -1);
        }
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, (short) (producerEpoch + 1),
                producerEpoch, newTimeoutMs, TransactionState.EMPTY, Set.of(), -1, nowMs, -1);
    }

    /** Partitions join the transaction, which begins now unless it is already running. */
    TransactionMetadata withPartitions(Set<TopicPartition> added, long nowMs) {
        check(TransactionState.ONGOING);
        boolean running = state == TransactionState.ONGOING;
        Set<TopicPartition> all = new HashSet<>(running ? partitions : Set.of());
        all.addAll(added);
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, producerEpoch, lastProducerEpoch,
                timeoutMs, TransactionState.ONGOING, all, running ? startMs : nowMs, nowMs, -1);
    }

    /** EndTxn (protocol version 1): the decision is taken, its markers are still to be written. */
    TransactionMetadata prepared(boolean commit, long nowMs) {
        return to(commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT, nowMs);
    }

    /**
     * EndTxn under protocol version 2: the decision is taken with the next epoch, which its markers carry,
     * so nothing the producer sent in this transaction can land in its next one. Past the largest epoch the
     * producer goes on with {@code newProducerId} (used only then) once the markers are written. An abort
     * from an idle state ends an empty transaction (no partitions, no markers).
     */
    TransactionMetadata preparedWithNextEpoch(boolean commit, long newProducerId, long nowMs) {
        TransactionState next = commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
        check(next);
        boolean idle = state.isIdle();
        short nextEpoch = producerEpoch < Short.MAX_VALUE ? (short) (producerEpoch + 1) : producerEpoch;
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, nextEpoch,
                producerEpoch, timeoutMs, next, idle ? Set.of() : partitions, idle ? nowMs : startMs, nowMs,
                epochExhausted() ? newProducerId : -1);
    }

    /** The producer id and epoch the producer goes on with once this transaction is complete. */
    long producerIdAfter() {
        return nextProducerId >= 0 ? nextProducerId : producerId;
    }

    short producerEpochAfter() {
        return nextProducerId >= 0 ? 0 : producerEpoch;
    }

    /**
     * The producer is fenced and its open transaction aborted (a new producer with its id, or its timeout):
     * the next epoch, whose abort markers the old producer's late writes cannot get past.
     */
    TransactionMetadata fenced(long nowMs) {
        check(TransactionState.PREPARE_ABORT);
        // An epoch at its maximum cannot grow; the abort still happens, and the next InitProducerId hands out a new id.
        short next = producerEpoch < Short.MAX_VALUE ? (short) (producerEpoch + 1) : producerEpoch;
        // No last epoch: the fenced producer's requests must not pass for retries of a bump of its own.
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, next, (short) -1, timeoutMs,
                TransactionState.PREPARE_ABORT, partitions, startMs, nowMs, -1);
    }

    /**
     * Every marker is written; the partitions are the transaction's no more. A producer whose epoch ran
     * out goes on with its next producer id; the one it had is kept to recognise its retries.
     */
    TransactionMetadata completed(long nowMs) {
        TransactionState next = state == TransactionState.PREPARE_COMMIT ? TransactionState.COMPLETE_COMMIT
                : TransactionState.COMPLETE_ABORT;
        check(next);
        if (nextProducerId >= 0) {
            return new TransactionMetadata(transactionalId, nextProducerId, producerId, (short) 0, lastProducerEpoch,
                    timeoutMs, next, Set.of(), startMs, nowMs, -1);
        }
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, producerEpoch, lastProducerEpoch,
                timeoutMs, next, Set.of(), startMs, nowMs, -1);
    }

    private TransactionMetadata to(TransactionState next, long nowMs) {
        check(next);
        return new TransactionMetadata(transactionalId, producerId, previousProducerId, producerEpoch, lastProducerEpoch,
                timeoutMs, next, partitions, startMs, nowMs, nextProducerId);
    }

    private void check(TransactionState next) {
        if (!next.validPrevious().contains(state)) {
            throw new IllegalStateException(transactionalId + ": " + state.displayName() + " cannot become "
                    + next.displayName());
        }
    }
}
