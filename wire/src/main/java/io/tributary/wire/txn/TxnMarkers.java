package io.tributary.wire.txn;

import io.tributary.coordinator.GroupCoordinator;
import io.tributary.coordinator.txn.MarkerWriter;
import io.tributary.replication.Failures;
import io.tributary.replication.metadata.MetadataImage;
import io.tributary.replication.metadata.TopicInfo;
import io.tributary.replication.partition.AppendResult;
import io.tributary.replication.partition.LeadershipView;
import io.tributary.replication.partition.Partitions;
import io.tributary.wire.client.BrokerChannels;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest.TxnMarkerEntry;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;

/**
 * Transaction markers, written where each partition is led: this broker's partitions through
 * {@link Partitions#writeMarkers} (those of {@code __consumer_offsets} through the group coordinator,
 * which applies the transaction's offsets before it answers), the others' with a WriteTxnMarkers request
 * to their leader (which writes them here, in {@link #writeHere}, on its side).
 */
public final class TxnMarkers implements MarkerWriter {
    /** How long a marker may take to replicate; the coordinator tries again after. */
    private static final long TIMEOUT_MS = 30_000;
    private static final short REQUEST_VERSION = 1;

    private final Partitions partitions;
    private final GroupCoordinator groups;
    private final Supplier<MetadataImage> metadata;
    private final BrokerChannels channels;
    private final int nodeId;

    public TxnMarkers(Partitions partitions, GroupCoordinator groups, Supplier<MetadataImage> metadata,
                      BrokerChannels channels, int nodeId) {
        this.partitions = partitions;
        this.groups = groups;
        this.metadata = metadata;
        this.channels = channels;
        this.nodeId = nodeId;
    }

    /**
     * Writes the markers of a WriteTxnMarkers request to the partitions this broker leads; the others get
     * NOT_LEADER_OR_FOLLOWER (or UNKNOWN_TOPIC_OR_PARTITION). Errors by producer id, then partition.
     */
    public CompletableFuture<Map<Long, Map<TopicPartition, Errors>>> writeHere(List<TxnMarkerEntry> entries) {
        Map<Long, Map<TopicPartition, Errors>> out = new HashMap<>();
        List<Partitions.Marker> markers = new ArrayList<>();
        List<TopicPartition> written = new ArrayList<>();
        List<Long> writtenFor = new ArrayList<>();
        List<CompletableFuture<Void>> offsetMarkers = new ArrayList<>();
        for (TxnMarkerEntry entry : entries) {
            // Filled here and by the group coordinator's thread.
            Map<TopicPartition, Errors> errors = out.computeIfAbsent(entry.producerId(), id -> new ConcurrentHashMap<>());
            for (TopicPartition tp : entry.partitions()) {
                if (tp.topic().equals(GroupCoordinator.TOPIC)) {
                    offsetMarkers.add(groups.writeMarker(tp.partition(), entry.producerId(), entry.producerEpoch(),
                            entry.coordinatorEpoch(), entry.transactionResult() == TransactionResult.COMMIT)
                            .handle((v, failure) -> {
                                errors.put(tp, failure == null ? Errors.NONE : offsetsMarkerError(failure));
                                return null;
                            }));
                    continue;
                }
                Partitions.Lookup lookup = partitions.leader(tp.topic(), tp.partition());
                if (!lookup.found()) {
                    errors.put(tp, lookup.error());
                    continue;
                }
                markers.add(new Partitions.Marker(lookup.leader(), entry.producerId(), entry.producerEpoch(),
                        entry.coordinatorEpoch(), entry.transactionResult() == TransactionResult.COMMIT));
                written.add(tp);
                writtenFor.add(entry.producerId());
            }
        }
        CompletableFuture<Void> dataMarkers = markers.isEmpty() ? CompletableFuture.completedFuture(null)
                : partitions.writeMarkers(markers, TIMEOUT_MS).thenAccept(results -> {
                    for (int i = 0; i < results.size(); i++) {
                        AppendResult r = results.get(i);
                        out.get(writtenFor.get(i)).put(written.get(i), r.error());
                    }
                });
        offsetMarkers.add(dataMarkers);
        return CompletableFuture.allOf(offsetMarkers.toArray(CompletableFuture[]::new)).thenApply(v -> out);
    }

    /** A group coordinator that is not (yet) the partition's leader answers as a partition leader would. */
    private static Errors offsetsMarkerError(Throwable failure) {
        Errors error = Failures.errorOf(failure);
        return switch (error) {
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS -> Errors.NOT_LEADER_OR_FOLLOWER;
            default -> error;
        };
    }

    /** A partition whose topic this broker no longer knows is answered UNKNOWN_TOPIC_OR_PARTITION: the topic was deleted. */
    @Override
    public CompletableFuture<Map<TopicPartition, Errors>> write(long producerId, short producerEpoch, int coordinatorEpoch,
                                                                boolean commit, Set<TopicPartition> targets) {
        MetadataImage image = metadata.get();
        LeadershipView leadership = partitions.leadership();
        Map<TopicPartition, Errors> out = new HashMap<>();
        Map<Integer, List<TopicPartition>> byLeader = new HashMap<>();
        for (TopicPartition tp : targets) {
            TopicInfo topic = image.topics().get(tp.topic());
            if (topic == null || tp.partition() >= topic.partitionCount()) {
                out.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
                continue;
            }
            LeadershipView.PartitionState state = leadership.state(topic, tp.partition());
            if (!state.hasLeader()) {
                out.put(tp, Errors.NOT_LEADER_OR_FOLLOWER);
            } else {
                byLeader.computeIfAbsent(state.leader(), b -> new ArrayList<>()).add(tp);
            }
        }
        TransactionResult result = commit ? TransactionResult.COMMIT : TransactionResult.ABORT;
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        byLeader.forEach((broker, tps) -> {
            List<TxnMarkerEntry> entry = List.of(new TxnMarkerEntry(producerId, producerEpoch, coordinatorEpoch, result, tps,
                    (short) 0));
            CompletableFuture<Map<Long, Map<TopicPartition, Errors>>> answer = broker == nodeId ? writeHere(entry)
                    : channels.<WriteTxnMarkersResponse>send(broker, new WriteTxnMarkersRequest.Builder(entry).build(REQUEST_VERSION),
                            TIMEOUT_MS).thenApply(WriteTxnMarkersResponse::errorsByProducerId);
            sent.add(answer.handle((errors, failure) -> {
                synchronized (out) {
                    for (TopicPartition tp : tps) {
                        Errors e = failure != null ? Failures.errorOf(failure)
                                : errors.getOrDefault(producerId, Map.of()).getOrDefault(tp, Errors.UNKNOWN_SERVER_ERROR);
                        // The topic exists here: a leader that does not know it yet is behind, not done.
                        out.put(tp, e == Errors.UNKNOWN_TOPIC_OR_PARTITION ? Errors.NOT_LEADER_OR_FOLLOWER : e);
                    }
                }
                return null;
            }));
        });
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).thenApply(v -> {
            synchronized (out) {
                return Map.copyOf(out);
            }
        });
    }
}
