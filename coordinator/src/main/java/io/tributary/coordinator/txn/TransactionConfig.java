package io.tributary.coordinator.txn;

/**
 * The transaction coordinator's broker settings, under Kafka's names and with Kafka's defaults.
 *
 * @param maxTimeoutMs             transaction.max.timeout.ms: the largest transaction.timeout.ms a producer may ask for
 * @param idExpirationMs           transactional.id.expiration.ms: an idle transactional id is forgotten after this
 * @param abortTimedOutIntervalMs  transaction.abort.timed.out.transaction.cleanup.interval.ms
 * @param removeExpiredIntervalMs  transaction.remove.expired.transaction.cleanup.interval.ms
 */
public record TransactionConfig(int maxTimeoutMs, long idExpirationMs, long abortTimedOutIntervalMs,
                                long removeExpiredIntervalMs) {
    public static final TransactionConfig DEFAULTS = new TransactionConfig(900_000, 604_800_000L, 10_000, 3_600_000);
}
