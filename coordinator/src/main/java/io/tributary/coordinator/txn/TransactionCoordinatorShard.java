package io.tributary.coordinator.txn;

import io.tributary.coordinator.runtime.CoordinatorRecord;
import io.tributary.coordinator.runtime.CoordinatorResult;
import io.tributary.coordinator.runtime.CoordinatorShard;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.protocol.Errors;

/**
 * The transaction coordinator for one partition of {@code __transaction_state}: Kafka's transaction
 * protocol as a state machine over the partition's records, one per transactional id
 * ({@link TransactionRecords}). Both protocol versions are served, chosen per request as Kafka does: in
 * version 1 the epoch is bumped by InitProducerId only; in version 2 (EndTxn v5) every transaction ends
 * with the next epoch ({@link #endTxnWithNextEpoch}).
 *
 * <p>Requests are answered with {@link CoordinatorResult}s; a transactional id's state changes only when
 * its record is replayed. Between writing a record and replaying it the id is pending, and every other
 * request for it gets CONCURRENT_TRANSACTIONS, as Kafka's pendingState does. A transaction in
 * PrepareCommit or PrepareAbort waits for its markers; whoever writes them (see {@link #preparing}) then
 * calls {@link #complete}. All methods run on the shard's thread.
 */
public final class TransactionCoordinatorShard implements CoordinatorShard {
    private final TransactionConfig config;
    private final LongSupplier clock;
    private final LongSupplier producerIds;
    private final Map<String, TransactionMetadata> transactions = new HashMap<>();
    /** Transactional ids with a record written but not replayed yet. */
    private final Set<String> pending = new HashSet<>();

    /**
     * @param producerIds hands out a new producer id without waiting, or throws a retriable Kafka exception
     *                    (COORDINATOR_LOAD_IN_PROGRESS) while none is at hand
     */
    public TransactionCoordinatorShard(TransactionConfig config, LongSupplier clock, LongSupplier producerIds) {
        this.config = config;
        this.clock = clock;
        this.producerIds = producerIds;
    }

    /** The answer to a transactional InitProducerId, or to an EndTxn under protocol version 2. */
    public record InitResult(Errors error, long producerId, short producerEpoch) {
        static InitResult failed(Errors error) {
            return new InitResult(error, -1, (short) -1);
        }
    }

    // ---- requests ----

    /**
     * InitProducerId with a transactional id: a new producer id for a new transactional id, else the next
     * epoch, which fences the producer's earlier instances. An open transaction is aborted first (its
     * producer fenced) and the caller told CONCURRENT_TRANSACTIONS, to retry once the abort is complete.
     *
     * @param expectedProducerId the producer's id and epoch when it asks to bump its own epoch (KIP-360),
     *                           else -1
     */
    public CoordinatorResult<InitResult> initProducerId(String transactionalId, int timeoutMs, long expectedProducerId,
                                                        short expectedEpoch) {
        if (timeoutMs <= 0 || timeoutMs > config.maxTimeoutMs()) {
            return CoordinatorResult.of(InitResult.failed(Errors.INVALID_TRANSACTION_TIMEOUT));
        }
        if (pending.contains(transactionalId)) {
            return CoordinatorResult.of(InitResult.failed(Errors.CONCURRENT_TRANSACTIONS));
        }
        long now = clock.getAsLong();
        TransactionMetadata m = transactions.get(transactionalId);
        if (m == null) {
            long producerId;
            try {
                producerId = producerIds.getAsLong();
            } catch (ApiException e) {
                return CoordinatorResult.of(InitResult.failed(Errors.forException(e)));
            }
            TransactionMetadata created = TransactionMetadata.created(transactionalId, producerId, timeoutMs, now);
            return write(created, new InitResult(Errors.NONE, producerId, (short) 0), InitResult::failed);
        }
        boolean bumpOfItsOwn = expectedProducerId >= 0;
        if (bumpOfItsOwn && expectedProducerId != m.producerId() && expectedProducerId != m.previousProducerId()) {
            return CoordinatorResult.of(InitResult.failed(Errors.PRODUCER_FENCED));
        }
        if (m.state().isPreparing()) {
            return CoordinatorResult.of(InitResult.failed(Errors.CONCURRENT_TRANSACTIONS));
        }
        if (m.state() == TransactionState.ONGOING) {
            return write(m.fenced(now), InitResult.failed(Errors.CONCURRENT_TRANSACTIONS), InitResult::failed);
        }
        if (bumpOfItsOwn && !(expectedProducerId == m.producerId() && expectedEpoch == m.producerEpoch())) {
            // The bump it asks for already happened (its answer was lost): the same answer again.
            boolean retried = expectedEpoch == m.lastProducerEpoch();
            return CoordinatorResult.of(retried ? new InitResult(Errors.NONE, m.producerId(), m.producerEpoch())
                    : InitResult.failed(Errors.PRODUCER_FENCED));
        }
        return withNewIdIfExhausted(m, newProducerId -> {
            TransactionMetadata bumped = m.bumped(timeoutMs, newProducerId, now);
            return write(bumped, new InitResult(Errors.NONE, bumped.producerId(), bumped.producerEpoch()), InitResult::failed);
        });
    }

    /**
     * AddPartitionsToTxn from a producer (v0-3) or AddOffsetsToTxn (the group's offsets partition): the
     * partitions join the producer's transaction, which begins if none is running (its timeout runs from
     * then). One error for all of them.
     */
    public CoordinatorResult<Errors> addPartitions(String transactionalId, long producerId, short epoch,
                                                   Set<TopicPartition> partitions) {
        TransactionMetadata m = transactions.get(transactionalId);
        Errors refused = checkProducer(m, transactionalId, producerId, epoch);
        if (refused != Errors.NONE) {
            return CoordinatorResult.of(refused);
        }
        if (m.state() == TransactionState.ONGOING && m.partitions().containsAll(partitions)) {
            return CoordinatorResult.of(Errors.NONE);
        }
        return write(m.withPartitions(partitions, clock.getAsLong()), Errors.NONE, error -> error);
    }

    /**
     * The verify-only AddPartitionsToTxn a partition leader sends before it accepts a producer's first
     * transactional batch (KIP-890): per partition NONE when it is in the running transaction, else
     * TRANSACTION_ABORTABLE; or one error for all when the producer is wrong or the transaction is ending.
     */
    public Map<TopicPartition, Errors> verify(String transactionalId, long producerId, short epoch,
                                              Collection<TopicPartition> partitions) {
        TransactionMetadata m = transactions.get(transactionalId);
        Errors refused = checkProducer(m, transactionalId, producerId, epoch);
        Map<TopicPartition, Errors> out = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            boolean in = m != null && m.state() == TransactionState.ONGOING && m.partitions().contains(tp);
            out.put(tp, refused != Errors.NONE ? refused : in ? Errors.NONE : Errors.TRANSACTION_ABORTABLE);
        }
        return out;
    }

    /** The checks every request of a running producer passes, in Kafka's order; NONE when it may go on. */
    private Errors checkProducer(TransactionMetadata m, String transactionalId, long producerId, short epoch) {
        if (m != null && m.state().isPreparing() && producerId == m.nextProducerId()) {
            // Its last transaction handed it a new producer id, in use once the markers are written.
            return Errors.CONCURRENT_TRANSACTIONS;
        }
        if (m == null || m.producerId() != producerId) {
            return Errors.INVALID_PRODUCER_ID_MAPPING;
        }
        if (m.producerEpoch() != epoch) {
            return Errors.PRODUCER_FENCED;
        }
        if (pending.contains(transactionalId) || m.state().isPreparing()) {
            return Errors.CONCURRENT_TRANSACTIONS;
        }
        return Errors.NONE;
    }

    /**
     * EndTxn under protocol version 1 (v0-4): commits or aborts the running transaction. The answer comes
     * once the decision is durable; the markers follow. Asking again for a decision already carried out
     * answers NONE; asking again while it is carried out, CONCURRENT_TRANSACTIONS; asking for the other
     * one, INVALID_TXN_STATE.
     */
    public CoordinatorResult<Errors> endTxn(String transactionalId, long producerId, short epoch, boolean commit) {
        TransactionMetadata m = transactions.get(transactionalId);
        if (m == null || m.producerId() != producerId) {
            return CoordinatorResult.of(Errors.INVALID_PRODUCER_ID_MAPPING);
        }
        if (m.producerEpoch() != epoch) {
            return CoordinatorResult.of(Errors.PRODUCER_FENCED);
        }
        if (pending.contains(transactionalId)) {
            return CoordinatorResult.of(Errors.CONCURRENT_TRANSACTIONS);
        }
        TransactionState sameDecision = commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
        TransactionState sameDone = commit ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
        if (m.state() == TransactionState.ONGOING) {
            return write(m.prepared(commit, clock.getAsLong()), Errors.NONE, error -> error);
        }
        if (m.state() == sameDecision) {
            return CoordinatorResult.of(Errors.CONCURRENT_TRANSACTIONS);
        }
        return CoordinatorResult.of(m.state() == sameDone ? Errors.NONE : Errors.INVALID_TXN_STATE);
    }

    /**
     * EndTxn under transaction protocol version 2 (v5): commits or aborts the running transaction with the
     * next epoch (its markers carry it) and answers the producer id and epoch the producer goes on with. A
     * request with the epoch before that is a retry: answered CONCURRENT_TRANSACTIONS while the markers are
     * being written, NONE once they are. With the new epoch while they are, the producer's next transaction
     * waits for them (CONCURRENT_TRANSACTIONS too). An abort between transactions ends an empty one.
     */
    public CoordinatorResult<InitResult> endTxnWithNextEpoch(String transactionalId, long producerId, short epoch,
                                                             boolean commit) {
        TransactionMetadata m = transactions.get(transactionalId);
        if (m == null) {
            return CoordinatorResult.of(InitResult.failed(Errors.INVALID_PRODUCER_ID_MAPPING));
        }
        if (pending.contains(transactionalId)) {
            return CoordinatorResult.of(InitResult.failed(Errors.CONCURRENT_TRANSACTIONS));
        }
        boolean current = producerId == m.producerId() && epoch == m.producerEpoch();
        boolean retry = m.lastProducerEpoch() >= 0 && epoch == m.lastProducerEpoch()
                && (producerId == m.producerId() && m.producerEpoch() == epoch + 1
                    || producerId == m.previousProducerId() && m.producerEpoch() == 0);
        if (!current && !retry) {
            boolean known = producerId == m.producerId() || producerId == m.previousProducerId();
            return CoordinatorResult.of(InitResult.failed(known ? Errors.PRODUCER_FENCED : Errors.INVALID_PRODUCER_ID_MAPPING));
        }
        InitResult goOn = new InitResult(Errors.NONE, m.producerIdAfter(), m.producerEpochAfter());
        TransactionState decided = commit ? TransactionState.PREPARE_COMMIT : TransactionState.PREPARE_ABORT;
        TransactionState done = commit ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
        return switch (m.state()) {
            case ONGOING -> current ? prepareWithNextEpoch(m, commit) : CoordinatorResult.of(InitResult.failed(Errors.PRODUCER_FENCED));
            // With the new epoch the producer is already in its next transaction: it waits for this one's markers.
            case PREPARE_COMMIT, PREPARE_ABORT -> CoordinatorResult.of(InitResult.failed(current || m.state() == decided
                    ? Errors.CONCURRENT_TRANSACTIONS : Errors.INVALID_TXN_STATE));
            case EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT -> {
                if (!commit && current) {
                    yield prepareWithNextEpoch(m, false);
                }
                if (retry && m.state() == done) {
                    yield CoordinatorResult.of(goOn);
                }
                yield CoordinatorResult.of(InitResult.failed(retry && m.state() == TransactionState.EMPTY
                        ? Errors.PRODUCER_FENCED : Errors.INVALID_TXN_STATE));
            }
            default -> CoordinatorResult.of(InitResult.failed(Errors.INVALID_TXN_STATE));
        };
    }

    private CoordinatorResult<InitResult> prepareWithNextEpoch(TransactionMetadata m, boolean commit) {
        return withNewIdIfExhausted(m, newProducerId -> {
            TransactionMetadata prepared = m.preparedWithNextEpoch(commit, newProducerId, clock.getAsLong());
            return write(prepared, new InitResult(Errors.NONE, prepared.producerIdAfter(), prepared.producerEpochAfter()),
                    InitResult::failed);
        });
    }

    /**
     * Runs {@code next} with a new producer id when {@code m}'s epoch ran out, else with -1; without an id
     * at hand, answers the producer id manager's (retriable) error instead.
     */
    private CoordinatorResult<InitResult> withNewIdIfExhausted(TransactionMetadata m,
                                                               LongFunction<CoordinatorResult<InitResult>> next) {
        long newProducerId = -1;
        if (m.epochExhausted()) {
            try {
                newProducerId = producerIds.getAsLong();
            } catch (ApiException e) {
                return CoordinatorResult.of(InitResult.failed(Errors.forException(e)));
            }
        }
        return next.apply(newProducerId);
    }

    /**
     * Every marker of the transaction in PrepareCommit or PrepareAbort is written: the transaction is
     * complete. Nothing happens if the transactional id moved on meanwhile.
     */
    public CoordinatorResult<Errors> complete(String transactionalId, long producerId, short epoch) {
        TransactionMetadata m = transactions.get(transactionalId);
        if (m == null || m.producerId() != producerId || m.producerEpoch() != epoch || !m.state().isPreparing()
                || pending.contains(transactionalId)) {
            return CoordinatorResult.of(Errors.NONE);
        }
        return write(m.completed(clock.getAsLong()), Errors.NONE, error -> error);
    }

    private <T> CoordinatorResult<T> write(TransactionMetadata next, T response, Function<Errors, T> onFailure) {
        pending.add(next.transactionalId());
        return new CoordinatorResult<>(List.of(TransactionRecords.record(next)), response, onFailure);
    }

    // ---- timers ----

    /**
     * Transactions running past their timeout (including those that never wrote data): each producer is
     * fenced and its transaction aborted, as Kafka does. Returns the records to write.
     */
    public List<CoordinatorRecord> abortTimedOut() {
        long now = clock.getAsLong();
        List<CoordinatorRecord> out = new ArrayList<>();
        for (TransactionMetadata m : transactions.values()) {
            if (m.state() == TransactionState.ONGOING && !pending.contains(m.transactionalId())
                    && m.startMs() + m.timeoutMs() < now) {
                pending.add(m.transactionalId());
                out.add(TransactionRecords.record(m.fenced(now)));
            }
        }
        return out;
    }

    /** Transactional ids idle for longer than transactional.id.expiration.ms: tombstones to write. */
    public List<CoordinatorRecord> expireIds() {
        long now = clock.getAsLong();
        List<CoordinatorRecord> out = new ArrayList<>();
        for (TransactionMetadata m : transactions.values()) {
            if (m.state().isIdle() && !pending.contains(m.transactionalId())
                    && now - m.lastUpdateMs() > config.idExpirationMs()) {
                pending.add(m.transactionalId());
                out.add(TransactionRecords.tombstone(m.transactionalId()));
            }
        }
        return out;
    }

    // ---- reads ----

    /** Transactions whose decision is durable but whose markers are still to be written. */
    public List<TransactionMetadata> preparing() {
        return transactions.values().stream()
                .filter(m -> m.state().isPreparing() && !pending.contains(m.transactionalId())).toList();
    }

    public Optional<TransactionMetadata> describe(String transactionalId) {
        return Optional.ofNullable(transactions.get(transactionalId));
    }

    public Collection<TransactionMetadata> transactions() {
        return List.copyOf(transactions.values());
    }

    // ---- the shard contract ----

    @Override
    public void replay(CoordinatorRecord record) {
        String id = TransactionRecords.decodeKey(record.key());
        pending.remove(id);
        if (record.isTombstone()) {
            transactions.remove(id);
        } else {
            transactions.put(id, TransactionRecords.decodeValue(id, record.value()));
        }
    }

    @Override
    public List<CoordinatorRecord> writeFailed(List<CoordinatorRecord> records, Errors error) {
        for (CoordinatorRecord record : records) {
            pending.remove(TransactionRecords.decodeKey(record.key()));
        }
        return List.of();
    }

    @Override
    public List<CoordinatorRecord> liveRecords() {
        return transactions.values().stream().map(TransactionRecords::record).toList();
    }

    @Override
    public void onLoaded() {
    }

    @Override
    public void onUnloaded() {
        pending.clear();
    }
}
