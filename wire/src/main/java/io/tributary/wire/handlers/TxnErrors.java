package io.tributary.wire.handlers;

import org.apache.kafka.common.protocol.Errors;

/** The errors of the transaction APIs as older request versions know them, downgraded as Kafka does. */
final class TxnErrors {
    private TxnErrors() {
    }

    /**
     * PRODUCER_FENCED becomes INVALID_PRODUCER_EPOCH below the version that introduced it
     * ({@code fencedSince}), TRANSACTION_ABORTABLE becomes INVALID_TXN_STATE below its ({@code abortableSince}).
     */
    static Errors forVersion(Errors error, short version, int fencedSince, int abortableSince) {
        if (error == Errors.PRODUCER_FENCED && version < fencedSince) {
            return Errors.INVALID_PRODUCER_EPOCH;
        }
        if (error == Errors.TRANSACTION_ABORTABLE && version < abortableSince) {
            return Errors.INVALID_TXN_STATE;
        }
        return error;
    }
}
