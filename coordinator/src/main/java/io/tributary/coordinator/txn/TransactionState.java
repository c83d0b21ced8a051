package io.tributary.coordinator.txn;

import java.util.EnumSet;
import java.util.Set;

/**
 * The states of a transactional id, with Kafka's ids (persisted) and names (as DescribeTransactions and
 * ListTransactions show them).
 */
public enum TransactionState {
    /** No transaction: after InitProducerId, or between transactions. */
    EMPTY(0, "Empty"),
    /** Partitions were added; the transaction runs until EndTxn or its timeout. */
    ONGOING(1, "Ongoing"),
    /** EndTxn(commit) is durable; markers are being written. */
    PREPARE_COMMIT(2, "PrepareCommit"),
    /** EndTxn(abort), a timeout or a fencing InitProducerId is durable; markers are being written. */
    PREPARE_ABORT(3, "PrepareAbort"),
    COMPLETE_COMMIT(4, "CompleteCommit"),
    COMPLETE_ABORT(5, "CompleteAbort"),
    /** The transactional id expired; only its tombstone remains. */
    DEAD(6, "Dead"),
    /** Kafka's name for a fencing abort in flight; here a fence writes PrepareAbort at once, so it is never stored. */
    PREPARE_EPOCH_FENCE(7, "PrepareEpochFence");

    private final byte id;
    private final String displayName;

    TransactionState(int id, String displayName) {
        this.id = (byte) id;
        this.displayName = displayName;
    }

    public byte id() {
        return id;
    }

    public String displayName() {
        return displayName;
    }

    public static TransactionState of(byte id) {
        for (TransactionState s : values()) {
            if (s.id == id) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown transaction state " + id);
    }

    /** The state by its display name, or null. */
    public static TransactionState named(String name) {
        for (TransactionState s : values()) {
            if (s.displayName.equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** Between transactions: a new one may start, the epoch may be bumped, the id may expire. */
    public boolean isIdle() {
        return this == EMPTY || this == COMPLETE_COMMIT || this == COMPLETE_ABORT;
    }

    /** Decided but its markers are not all written yet. */
    public boolean isPreparing() {
        return this == PREPARE_COMMIT || this == PREPARE_ABORT;
    }

    /** The states one may come to this one from (Kafka's validPreviousStates). */
    public Set<TransactionState> validPrevious() {
        return switch (this) {
            case EMPTY -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case ONGOING -> EnumSet.of(ONGOING, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_COMMIT -> EnumSet.of(ONGOING);
            // From an idle state only under transaction protocol version 2: an abort with nothing to abort.
            case PREPARE_ABORT -> EnumSet.of(ONGOING, PREPARE_EPOCH_FENCE, EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case COMPLETE_COMMIT -> EnumSet.of(PREPARE_COMMIT);
            case COMPLETE_ABORT -> EnumSet.of(PREPARE_ABORT);
            case DEAD -> EnumSet.of(EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT);
            case PREPARE_EPOCH_FENCE -> EnumSet.of(ONGOING);
        };
    }
}
