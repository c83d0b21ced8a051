package io.tributary.coordinator.runtime;

import io.tributary.replication.Failures;
import java.io.Closeable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.common.errors.CoordinatorLoadInProgressException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hosts coordinator shards, one per partition of an internal topic that this broker leads. A shard is
 * built by replaying its partition (answering COORDINATOR_LOAD_IN_PROGRESS meanwhile). After that a
 * request runs as {@link #write}: the shard answers with a {@link CoordinatorResult}, the runtime
 * appends its records through Raft, replays them into the shard once committed, and only then gives the
 * response (or, if the write failed, tells the shard and gives the failure's response). Timers write
 * the same way. Every shard call, timer and replay runs on the runtime's single thread, so shards need
 * no locks.
 *
 * <p>Compaction: after {@code compactAfterRecords} records a shard's live records are written again,
 * in order, and the partition's log start offset is moved to where they begin, so replay time and
 * disk use stay proportional to the live state.
 */
public final class CoordinatorRuntime<S extends CoordinatorShard> implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorRuntime.class);
    /** Queued writes are sent together up to this size; a larger write goes alone. */
    private static final int MAX_BATCH_BYTES = 512 * 1024;

    /** Builds a shard for a partition; the shard keeps the timer it is given. */
    public interface ShardFactory<S> {
        S create(int partition, ShardTimer timer);
    }

    private final String topic;
    private final InternalTopic logs;
    private final ShardFactory<S> factory;
    private final ScheduledExecutorService thread;
    private final long compactAfterRecords;
    private final Map<Integer, Hosted> hosted = new ConcurrentHashMap<>();

    public CoordinatorRuntime(String topic, InternalTopic logs, ShardFactory<S> factory,
                              ScheduledExecutorService thread, long compactAfterRecords) {
        this.topic = topic;
        this.logs = logs;
        this.factory = factory;
        this.thread = thread;
        this.compactAfterRecords = compactAfterRecords;
    }

    /** One hosted partition: its shard, whether it is loaded, and its write queue. */
    private final class Hosted implements ShardTimer {
        final int partition;
        final S shard;
        volatile boolean loaded;
        boolean closed;
        final Deque<Pending> queue = new ArrayDeque<>();
        boolean writing;
        long recordsSinceCompaction;
        long compactionStart = -1;

        Hosted(int partition) {
            this.partition = partition;
            this.shard = factory.create(partition, this);
        }

        @Override
        public Scheduled schedule(long delayMs, Consumer<List<CoordinatorRecord>> task) {
            var f = thread.schedule(() -> {
                if (!closed) {
                    List<CoordinatorRecord> records = new ArrayList<>();
                    task.accept(records);
                    if (!records.isEmpty()) {
                        append(records);
                    }
                }
            }, delayMs, TimeUnit.MILLISECONDS);
            return () -> f.cancel(false);
        }

        /** Queues records for the partition; the future completes once they are committed and replayed. */
        CompletableFuture<Void> append(List<CoordinatorRecord> records) {
            return enqueue(Pending.records(records, null));
        }

        CompletableFuture<Void> enqueue(Pending pending) {
            if (closed) {
                pending.done().completeExceptionally(notCoordinator(partition));
                return pending.done();
            }
            queue.add(pending);
            writeNext();
            return pending.done();
        }

        /** Sends the queued records as one batch, unless a write is already under way. */
        void writeNext() {
            if (writing || queue.isEmpty() || closed) {
                return;
            }
            if (recordsSinceCompaction >= compactAfterRecords && !queue.peekFirst().compaction()) {
                recordsSinceCompaction = 0;
                queueCompaction();
            }
            if (queue.peekFirst().marker() != null) {
                writeMarker(queue.pollFirst());
                return;
            }
            // Writes go together up to MAX_BATCH_BYTES, and a larger one alone: one too large for a Raft
            // entry is then refused on its own (RecordTooLargeException), without disturbing the others.
            // Only writes of the same producer's transaction (or of none) go together.
            List<Pending> batch = new ArrayList<>();
            int bytes = 0;
            boolean compaction = queue.peekFirst().compaction();
            TransactionalWrite txn = queue.peekFirst().txn();
            while (!queue.isEmpty() && queue.peekFirst().compaction() == compaction && queue.peekFirst().marker() == null
                    && Objects.equals(queue.peekFirst().txn(), txn)
                    && (batch.isEmpty() || bytes + queue.peekFirst().sizeInBytes() <= MAX_BATCH_BYTES)) {
                Pending p = queue.pollFirst();
                batch.add(p);
                bytes += p.sizeInBytes();
                if (compaction) {
                    break;
                }
            }
            writing = true;
            List<CoordinatorRecord> records = new ArrayList<>();
            batch.forEach(p -> records.addAll(p.records()));
            if (records.isEmpty()) {
                thread.execute(() -> committed(batch, records, -1));
                return;
            }
            logs.append(partition, records, txn).whenComplete((baseOffset, error) -> thread.execute(() -> {
                if (error != null) {
                    failed(batch, error);
                } else {
                    committed(batch, records, baseOffset);
                }
            }));
        }

        /** Writes a transaction marker, then replays it into the shard. */
        private void writeMarker(Pending pending) {
            writing = true;
            Marker m = pending.marker();
            logs.writeMarker(partition, m.producerId(), m.producerEpoch(), m.coordinatorEpoch(), m.commit())
                    .whenComplete((v, error) -> thread.execute(() -> {
                        writing = false;
                        if (error != null || closed) {
                            pending.done().completeExceptionally(error != null ? Failures.unwrap(error) : notCoordinator(partition));
                        } else {
                            shard.replayMarker(m.producerId(), m.commit());
                            pending.done().complete(null);
                        }
                        writeNext();
                    }));
        }

        /**
         * Puts the shard's live records at the head of the queue, in chunks of at most MAX_BATCH_BYTES.
         * Nothing else is written until the last chunk is committed, so no newer record lands among them.
         */
        private void queueCompaction() {
            List<List<CoordinatorRecord>> chunks = new ArrayList<>();
            List<CoordinatorRecord> chunk = new ArrayList<>();
            int bytes = 0;
            for (CoordinatorRecord r : shard.liveRecords()) {
                int size = r.estimatedSize();
                if (!chunk.isEmpty() && bytes + size > MAX_BATCH_BYTES) {
                    chunks.add(chunk);
                    chunk = new ArrayList<>();
                    bytes = 0;
                }
                chunk.add(r);
                bytes += size;
            }
            chunks.add(chunk);
            for (int i = chunks.size() - 1; i >= 0; i--) {
                queue.addFirst(new Pending(chunks.get(i), null, null, new CompletableFuture<>(), true, i == 0,
                        i == chunks.size() - 1));
            }
        }

        private void committed(List<Pending> batch, List<CoordinatorRecord> records, long baseOffset) {
            writing = false;
            if (closed) {
                batch.forEach(p -> p.done().completeExceptionally(notCoordinator(partition)));
                return;
            }
            Pending head = batch.get(0);
            if (head.compaction()) {
                // The live records are written again; replaying them changes nothing. When the last chunk is
                // in, everything before the first chunk is redundant.
                if (head.first()) {
                    compactionStart = baseOffset;
                }
                if (head.last() && compactionStart >= 0) {
                    long start = compactionStart;
                    logs.deleteBefore(partition, start).whenComplete((v, e) -> {
                        if (e != null) {
                            LOG.debug("{}-{}: compaction could not move the log start: {}", topic, partition, e.getMessage());
                        }
                    });
                }
            } else {
                TransactionalWrite txn = head.txn();
                for (CoordinatorRecord r : records) {
                    if (txn == null) {
                        shard.replay(r);
                    } else {
                        shard.replayTransactional(txn.producerId(), r);
                    }
                }
                recordsSinceCompaction += records.size();
            }
            batch.forEach(p -> p.done().complete(null));
            writeNext();
        }

        private void failed(List<Pending> batch, Throwable error) {
            writing = false;
            Throwable cause = Failures.unwrap(error);
            LOG.debug("{}-{}: append failed: {}", topic, partition, cause.getMessage());
            Throwable reported = cause instanceof RecordTooLargeException ? cause : notCoordinator(partition);
            Errors errorCode = writeError(reported);
            List<CoordinatorRecord> instead = new ArrayList<>();
            for (Pending p : batch) {
                if (!p.compaction()) {
                    instead.addAll(shard.writeFailed(p.records(), errorCode));
                }
                p.done().completeExceptionally(reported);
            }
            if (!instead.isEmpty()) {
                append(instead);
            }
            writeNext();
        }

        void unload() {
            closed = true;
            loaded = false;
            while (!queue.isEmpty()) {
                queue.pollFirst().done().completeExceptionally(notCoordinator(partition));
            }
            shard.onUnloaded();
        }
    }

    /** A transaction marker to write. */
    private record Marker(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit) {
    }

    /**
     * Records waiting to be written (in a producer's transaction if {@code txn} is set), or a marker;
     * compaction chunks are marked, with the first and last flagged.
     */
    private record Pending(List<CoordinatorRecord> records, TransactionalWrite txn, Marker marker,
                           CompletableFuture<Void> done, boolean compaction, boolean first, boolean last) {
        static Pending records(List<CoordinatorRecord> records, TransactionalWrite txn) {
            return new Pending(records, txn, null, new CompletableFuture<>(), false, false, false);
        }

        int sizeInBytes() {
            int n = 0;
            for (CoordinatorRecord r : records) {
                n += r.estimatedSize();
            }
            return n;
        }
    }

    /** Starts hosting newly led partitions and stops hosting lost ones; call it periodically. */
    public void refresh() {
        thread.execute(() -> {
            int count = logs.partitionCount();
            List<Integer> gained = new ArrayList<>();
            List<Integer> lost = new ArrayList<>();
            long records = 0;
            long start = System.nanoTime();
            for (int p = 0; p < count; p++) {
                boolean leads = logs.isLeader(p);
                Hosted h = hosted.get(p);
                if (leads && h == null) {
                    long loaded = load(p);
                    if (loaded >= 0) {
                        gained.add(p);
                        records += loaded;
                    }
                } else if (!leads && h != null) {
                    hosted.remove(p).unload();
                    lost.add(p);
                }
            }
            if (!gained.isEmpty()) {
                LOG.info("now coordinating {} partition(s) of {} {}: replayed {} records in {} ms", gained.size(), topic, gained,
                        records, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            }
            if (!lost.isEmpty()) {
                LOG.info("no longer coordinating {} partition(s) of {} {}", lost.size(), topic, lost);
            }
        });
    }

    /** Builds a shard by replaying its partition; returns the records replayed, or -1 if it could not. */
    private long load(int partition) {
        Iterator<LogEntry> log = logs.records(partition).orElse(null);
        if (log == null) {
            return -1;
        }
        Hosted h = new Hosted(partition);
        hosted.put(partition, h);
        try {
            long records = 0;
            while (log.hasNext()) {
                log.next().replayInto(h.shard);
                records++;
            }
            h.recordsSinceCompaction = records;
            h.loaded = true;
            h.shard.onLoaded();
            return records;
        } catch (RuntimeException e) {
            LOG.warn("{}-{}: loading failed, retrying: {}", topic, partition, e.toString());
            hosted.remove(partition);
            h.unload();
            return -1;
        }
    }

    /**
     * Runs {@code op} on the shard of {@code partition}, on the runtime's thread, writes the records of its
     * result, and completes with the response once they are committed and replayed (with the result's
     * failure response if they could not be written). Fails with NOT_COORDINATOR when this broker does
     * not lead the partition, COORDINATOR_LOAD_IN_PROGRESS while it loads.
     */
    public <T> CompletableFuture<T> write(int partition, Function<S, CoordinatorResult<T>> op) {
        return write(partition, null, op);
    }

    /**
     * As {@link #write}, with the result's records written in a producer's transaction: the shard replays
     * them with {@link CoordinatorShard#replayTransactional}, and they take effect with the producer's
     * commit marker ({@link #writeMarker}).
     */
    public <T> CompletableFuture<T> write(int partition, TransactionalWrite txn, Function<S, CoordinatorResult<T>> op) {
        CompletableFuture<T> response = new CompletableFuture<>();
        onShard(partition, response, h -> {
            CoordinatorResult<T> result = op.apply(h.shard);
            if (result.records().isEmpty()) {
                response.complete(result.response());
                return;
            }
            h.enqueue(Pending.records(result.records(), txn)).whenComplete((v, e) -> {
                try {
                    response.complete(e == null ? result.response() : result.onFailure().apply(writeError(e)));
                } catch (RuntimeException failure) {
                    response.completeExceptionally(failure);
                }
            });
        });
        return response;
    }

    /**
     * Writes a transaction marker to the partition after the writes queued before it, and replays it into
     * the shard; completes once both are done (so that whoever asked for the marker learns of it only
     * after the shard applied it). Fails as {@link #write} does.
     */
    public CompletableFuture<Void> writeMarker(int partition, long producerId, short producerEpoch, int coordinatorEpoch,
                                               boolean commit) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        onShard(partition, done, h -> h.enqueue(new Pending(List.of(), null,
                new Marker(producerId, producerEpoch, coordinatorEpoch, commit), new CompletableFuture<>(), false, false, false))
                .whenComplete((v, e) -> {
                    if (e == null) {
                        done.complete(null);
                    } else {
                        done.completeExceptionally(e);
                    }
                }));
        return done;
    }

    /** Runs {@code op}, which writes nothing, on the shard of {@code partition}; fails as {@link #write} does. */
    public <T> CompletableFuture<T> read(int partition, Function<S, T> op) {
        CompletableFuture<T> response = new CompletableFuture<>();
        onShard(partition, response, h -> response.complete(op.apply(h.shard)));
        return response;
    }

    private void onShard(int partition, CompletableFuture<?> response, Consumer<Hosted> op) {
        thread.execute(() -> {
            Hosted h = hosted.get(partition);
            if (h == null) {
                response.completeExceptionally(notCoordinator(partition));
            } else if (!h.loaded) {
                response.completeExceptionally(new CoordinatorLoadInProgressException(topic + "-" + partition + " is loading"));
            } else {
                try {
                    op.accept(h);
                } catch (RuntimeException e) {
                    response.completeExceptionally(e);
                }
            }
        });
    }

    /** Runs {@code op} on every loaded shard and writes the records of each result (offset expiry). */
    public <T> void writeAll(Function<S, CoordinatorResult<T>> op) {
        for (int partition : hosted.keySet()) {
            write(partition, op);
        }
    }

    /**
     * The Kafka error a client gets when its records could not be written, mapped as Kafka's group
     * coordinator maps a failed append.
     */
    public static Errors writeError(Throwable failure) {
        Errors error = Failures.errorOf(failure);
        return switch (error) {
            case UNKNOWN_TOPIC_OR_PARTITION, NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT ->
                    Errors.COORDINATOR_NOT_AVAILABLE;
            case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR -> Errors.NOT_COORDINATOR;
            case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE -> Errors.UNKNOWN_SERVER_ERROR;
            case NONE -> Errors.UNKNOWN_SERVER_ERROR;
            default -> error;
        };
    }

    /** Runs {@code op}, which writes nothing, on every loaded shard and collects the results (ListGroups). */
    public <T> CompletableFuture<List<T>> readAll(Function<S, T> op) {
        CompletableFuture<List<T>> result = new CompletableFuture<>();
        thread.execute(() -> {
            List<T> out = new ArrayList<>();
            for (Hosted h : hosted.values()) {
                if (h.loaded) {
                    out.add(op.apply(h.shard));
                }
            }
            result.complete(out);
        });
        return result;
    }

    /** Whether any hosted shard is still loading (ListGroups reports it). */
    public boolean anyLoading() {
        return hosted.values().stream().anyMatch(h -> !h.loaded);
    }

    private NotCoordinatorException notCoordinator(int partition) {
        return new NotCoordinatorException("This broker is not the coordinator for " + topic + "-" + partition);
    }

    @Override
    public void close() {
        thread.execute(() -> {
            hosted.values().forEach(Hosted::unload);
            hosted.clear();
        });
    }
}
