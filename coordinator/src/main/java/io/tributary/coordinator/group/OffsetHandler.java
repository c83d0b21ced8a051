package io.tributary.coordinator.group;

import io.tributary.coordinator.group.GroupRecords.OffsetKey;
import io.tributary.coordinator.group.GroupRecords.OffsetValue;
import io.tributary.coordinator.runtime.CoordinatorRecord;
import io.tributary.coordinator.runtime.CoordinatorResult;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** OffsetCommit, OffsetFetch, OffsetDelete and retention of committed offsets. */
final class OffsetHandler {
    private static final long NO_OFFSET = -1L;
    private static final int NO_EPOCH = -1;
    private static final long NO_RETENTION = -1L;

    private final ShardContext ctx;
    private final MembershipHandler membership;

    OffsetHandler(ShardContext ctx, MembershipHandler membership) {
        this.ctx = ctx;
        this.membership = membership;
    }

    // ---- OffsetCommit ----

    private record PendingPartition(OffsetCommitResponsePartition response, OffsetCommitRequestPartition request,
                                    TopicPartition tp) {
    }

    CoordinatorResult<OffsetCommitResponseData> commitOffsets(OffsetCommitRequestData request, short version,
                                                             Predicate<TopicPartition> partitionExists) {
        OffsetCommitResponseData response = new OffsetCommitResponseData();
        Errors unknownTopic = version >= 10 ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
        List<PendingPartition> valid = new ArrayList<>();
        for (OffsetCommitRequestTopic topic : request.topics()) {
            OffsetCommitResponseTopic rt = new OffsetCommitResponseTopic()
                    .setName(topic.name())
                    .setTopicId(topic.topicId());
            response.topics().add(rt);
            for (OffsetCommitRequestPartition p : topic.partitions()) {
                OffsetCommitResponsePartition rp = new OffsetCommitResponsePartition()
                        .setPartitionIndex(p.partitionIndex());
                rt.partitions().add(rp);
                TopicPartition tp = new TopicPartition(topic.name() == null ? "" : topic.name(), p.partitionIndex());
                if (partitionExists.test(tp)) {
                    valid.add(new PendingPartition(rp, p, tp));
                } else {
                    rp.setErrorCode(unknownTopic.code());
                }
            }
        }
        if (valid.isEmpty()) {
            return CoordinatorResult.of(response);
        }
        Errors groupError = validateCommit(request, version);
        if (groupError != Errors.NONE) {
            valid.forEach(p -> p.response().setErrorCode(groupError.code()));
            return CoordinatorResult.of(response);
        }

        String groupId = request.groupId();
        long now = ctx.now();
        // Only versions 2-4 carry a retention; later ones use offsets.retention.minutes.
        long expireTimestamp = request.retentionTimeMs() == NO_RETENTION ? NO_RETENTION : now + request.retentionTimeMs();
        List<CoordinatorRecord> records = new ArrayList<>();
        List<PendingPartition> written = new ArrayList<>();
        for (PendingPartition p : valid) {
            String metadata = p.request().committedMetadata();
            if (metadata != null && metadata.length() > ctx.config.offsetMetadataMaxBytes()) {
                p.response().setErrorCode(Errors.OFFSET_METADATA_TOO_LARGE.code());
                continue;
            }
            OffsetValue value = new OffsetValue(p.request().committedOffset(), p.request().committedLeaderEpoch(),
                    metadata, now, expireTimestamp);
            records.add(GroupRecords.offsetCommit(
                    new OffsetKey(groupId, p.tp().topic(), p.tp().partition()), value));
            written.add(p);
        }
        if (records.isEmpty()) {
            return CoordinatorResult.of(response);
        }
        // Until its record is replayed (or fails), a commit is in flight: deletions must cover it too.
        ctx.offsets.addInFlight(groupId, written.stream().map(PendingPartition::tp).toList());
        return new CoordinatorResult<>(records, response, error -> {
            written.forEach(p -> p.response().setErrorCode(error.code()));
            return response;
        });
    }

    private Errors validateCommit(OffsetCommitRequestData request, short version) {
        Errors unavailable = ctx.availability();
        if (unavailable != Errors.NONE) {
            return unavailable;
        }
        if (!ShardContext.isValidGroupId(request.groupId())) {
            return Errors.INVALID_GROUP_ID;
        }
        int generation = request.generationIdOrMemberEpoch();
        ClassicGroup group = ctx.groups.get(request.groupId());
        if (group == null) {
            // Without a generation this is a simple consumer or an admin tool: the group appears when
            // the commit is replayed. With one, the member's group is gone.
            if (generation < 0) {
                return Errors.NONE;
            }
            return version >= 9 ? Errors.GROUP_ID_NOT_FOUND : Errors.ILLEGAL_GENERATION;
        }
        String memberId = request.memberId() == null ? "" : request.memberId();
        Errors invalid = group.validateOffsetCommit(memberId, request.groupInstanceId(), generation);
        if (invalid == Errors.NONE
                && (group.is(GroupState.STABLE) || group.is(GroupState.PREPARING_REBALANCE))) {
            // A commit proves the member is alive, as a heartbeat does.
            GroupMember member = group.member(memberId);
            if (member != null) {
                membership.scheduleHeartbeat(group, member, member.sessionTimeoutMs());
            }
        }
        return invalid;
    }

    // ---- OffsetFetch ----

    OffsetFetchResponseGroup fetchOffsets(String groupId, List<OffsetFetchRequestTopics> topics, boolean requireStable) {
        OffsetFetchResponseGroup response = new OffsetFetchResponseGroup().setGroupId(groupId);
        Errors unavailable = ctx.availability();
        if (unavailable != Errors.NONE) {
            return response.setErrorCode(unavailable.code());
        }
        if (!ShardContext.isValidGroupId(groupId)) {
            return response.setErrorCode(Errors.INVALID_GROUP_ID.code());
        }
        ClassicGroup group = ctx.groups.get(groupId);
        boolean known = group != null && !group.is(GroupState.DEAD);
        List<OffsetFetchResponseTopics> out = new ArrayList<>();
        if (topics == null) {
            if (known) {
                Map<String, OffsetFetchResponseTopics> byTopic = new LinkedHashMap<>();
                ctx.offsets.offsets(groupId).forEach((tp, value) -> byTopic
                        .computeIfAbsent(tp.topic(), t -> new OffsetFetchResponseTopics().setName(t))
                        .partitions().add(stable(groupId, tp, partition(tp.partition(), value), requireStable)));
                out.addAll(byTopic.values());
            }
        } else {
            for (OffsetFetchRequestTopics t : topics) {
                OffsetFetchResponseTopics rt = new OffsetFetchResponseTopics()
                        .setName(t.name())
                        .setTopicId(t.topicId());
                for (Integer index : t.partitionIndexes()) {
                    TopicPartition tp = new TopicPartition(t.name() == null ? "" : t.name(), index);
                    OffsetValue value = known ? ctx.offsets.get(groupId, tp) : null;
                    rt.partitions().add(stable(groupId, tp, partition(index, value), requireStable));
                }
                out.add(rt);
            }
        }
        return response.setTopics(out);
    }

    /** With {@code requireStable}, an offset an open transaction wrote makes the answer UNSTABLE_OFFSET_COMMIT. */
    private OffsetFetchResponsePartitions stable(String groupId, TopicPartition tp, OffsetFetchResponsePartitions answer,
                                                 boolean requireStable) {
        if (requireStable && ctx.offsets.isPending(groupId, tp)) {
            return answer.setCommittedOffset(NO_OFFSET).setCommittedLeaderEpoch(NO_EPOCH).setMetadata("")
                    .setErrorCode(Errors.UNSTABLE_OFFSET_COMMIT.code());
        }
        return answer;
    }

    // ---- TxnOffsetCommit ----

    /**
     * TxnOffsetCommit (v0-6): offsets written in the producer's transaction (the caller writes the records
     * as such), which take effect with its commit marker. The member and generation are checked as for an
     * OffsetCommit (the zombie fence of KIP-447) but not the group's state: a transaction may commit
     * offsets while its group rebalances.
     */
    CoordinatorResult<TxnOffsetCommitResponseData> txnCommitOffsets(TxnOffsetCommitRequestData request,
                                                                    Predicate<TopicPartition> partitionExists) {
        TxnOffsetCommitResponseData response = new TxnOffsetCommitResponseData();
        Errors groupError = validateTxnCommit(request);
        long now = ctx.now();
        List<CoordinatorRecord> records = new ArrayList<>();
        List<TxnOffsetCommitResponsePartition> written = new ArrayList<>();
        for (TxnOffsetCommitRequestTopic topic : request.topics()) {
            TxnOffsetCommitResponseTopic rt = new TxnOffsetCommitResponseTopic().setName(topic.name());
            response.topics().add(rt);
            for (TxnOffsetCommitRequestPartition p : topic.partitions()) {
                TxnOffsetCommitResponsePartition rp = new TxnOffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex());
                rt.partitions().add(rp);
                TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
                if (!partitionExists.test(tp)) {
                    rp.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                } else if (groupError != Errors.NONE) {
                    rp.setErrorCode(groupError.code());
                } else if (p.committedMetadata() != null && p.committedMetadata().length() > ctx.config.offsetMetadataMaxBytes()) {
                    rp.setErrorCode(Errors.OFFSET_METADATA_TOO_LARGE.code());
                } else {
                    records.add(GroupRecords.offsetCommit(new OffsetKey(request.groupId(), tp.topic(), tp.partition()),
                            new OffsetValue(p.committedOffset(), p.committedLeaderEpoch(), p.committedMetadata(), now,
                                    NO_RETENTION)));
                    written.add(rp);
                }
            }
        }
        return new CoordinatorResult<>(records, response, error -> {
            written.forEach(rp -> rp.setErrorCode(error.code()));
            return response;
        });
    }

    private Errors validateTxnCommit(TxnOffsetCommitRequestData request) {
        Errors unavailable = ctx.availability();
        if (unavailable != Errors.NONE) {
            return unavailable;
        }
        if (!ShardContext.isValidGroupId(request.groupId())) {
            return Errors.INVALID_GROUP_ID;
        }
        ClassicGroup group = ctx.groups.get(request.groupId());
        if (group == null) {
            return request.generationIdOrMemberEpoch() < 0 ? Errors.NONE : Errors.ILLEGAL_GENERATION;
        }
        String memberId = request.memberId() == null ? "" : request.memberId();
        if (!group.is(GroupState.DEAD) && request.generationIdOrMemberEpoch() < 0 && memberId.isEmpty()
                && request.groupInstanceId() == null) {
            // Versions 0-2 name no member: the producer is not a member of the group (one producer per task).
            return Errors.NONE;
        }
        Errors invalid = group.validateOffsetCommit(memberId, request.groupInstanceId(), request.generationIdOrMemberEpoch());
        return invalid == Errors.REBALANCE_IN_PROGRESS ? Errors.NONE : invalid;
    }

    /** Replays an offset record that a producer's transaction wrote: pending until the transaction ends. */
    void replayTransactional(long producerId, OffsetKey key, OffsetValue value) {
        ctx.offsets.putPending(producerId, key.group(), new TopicPartition(key.topic(), key.partition()), value);
    }

    /**
     * Replays a transaction marker: on commit the producer's pending offsets become the committed ones (a
     * transaction's offsets are the latest the producer asked for, whatever was committed meanwhile), on
     * abort they are dropped. Returns the groups that got offsets.
     */
    Set<String> replayMarker(long producerId, boolean commit) {
        Map<String, Map<TopicPartition, OffsetValue>> taken = ctx.offsets.takePending(producerId);
        if (!commit) {
            return Set.of();
        }
        taken.forEach((group, offsets) -> offsets.forEach((tp, value) -> ctx.offsets.put(group, tp, value)));
        return taken.keySet();
    }

    private static OffsetFetchResponsePartitions partition(int index, OffsetValue value) {
        OffsetFetchResponsePartitions p = new OffsetFetchResponsePartitions().setPartitionIndex(index);
        if (value == null) {
            return p.setCommittedOffset(NO_OFFSET).setCommittedLeaderEpoch(NO_EPOCH).setMetadata("");
        }
        return p.setCommittedOffset(value.offset())
                .setCommittedLeaderEpoch(value.leaderEpoch())
                .setMetadata(value.metadata());
    }

    // ---- OffsetDelete ----

    CoordinatorResult<OffsetDeleteResponseData> deleteOffsets(OffsetDeleteRequestData request,
                                                             Predicate<TopicPartition> partitionExists) {
        Errors unavailable = ctx.availability();
        if (unavailable != Errors.NONE) {
            return deleteError(unavailable);
        }
        String groupId = request.groupId();
        if (!ShardContext.isValidGroupId(groupId)) {
            return deleteError(Errors.INVALID_GROUP_ID);
        }
        ClassicGroup group = ctx.groups.get(groupId);
        if (group == null || group.is(GroupState.DEAD)) {
            return deleteError(Errors.GROUP_ID_NOT_FOUND);
        }
        if (!group.is(GroupState.EMPTY) && !group.usesConsumerProtocol()) {
            // Without the consumer protocol we cannot tell which topics members use.
            return deleteError(Errors.NON_EMPTY_GROUP);
        }
        OffsetDeleteResponseData response = new OffsetDeleteResponseData();
        List<CoordinatorRecord> records = new ArrayList<>();
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic topic : request.topics()) {
            OffsetDeleteResponseTopic rt = new OffsetDeleteResponseTopic().setName(topic.name());
            for (OffsetDeleteRequestData.OffsetDeleteRequestPartition p : topic.partitions()) {
                OffsetDeleteResponsePartition rp = new OffsetDeleteResponsePartition()
                        .setPartitionIndex(p.partitionIndex());
                TopicPartition tp = new TopicPartition(topic.name() == null ? "" : topic.name(), p.partitionIndex());
                if (!partitionExists.test(tp)) {
                    rp.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                } else if (group.isSubscribedToTopic(tp.topic())) {
                    rp.setErrorCode(Errors.GROUP_SUBSCRIBED_TO_TOPIC.code());
                } else if (ctx.offsets.get(groupId, tp) != null || ctx.offsets.isInFlight(groupId, tp)) {
                    records.add(GroupRecords.offsetTombstone(new OffsetKey(groupId, tp.topic(), tp.partition())));
                }
                rt.partitions().add(rp);
            }
            response.topics().add(rt);
        }
        return new CoordinatorResult<>(records, response, error -> new OffsetDeleteResponseData().setErrorCode(error.code()));
    }

    private static CoordinatorResult<OffsetDeleteResponseData> deleteError(Errors error) {
        return CoordinatorResult.of(new OffsetDeleteResponseData().setErrorCode(error.code()));
    }

    // ---- retention ----

    /**
     * Adds tombstones for the group's expired offsets, following Kafka 2.1+: an empty group's offsets
     * expire {@code offsets.retention.minutes} after it became empty; a simple consumer's offsets, and
     * those of topics a stable consumer group no longer subscribes to, that long after their commit. An
     * offset committed with an explicit retention (v2-v4) expires at its own deadline. Offsets of
     * subscribed topics and commits still being written are kept.
     *
     * @return true if the group has no offsets left afterwards
     */
    boolean collectExpired(ClassicGroup group, long now, List<CoordinatorRecord> records) {
        String groupId = group.groupId();
        Map<TopicPartition, OffsetValue> offsets = ctx.offsets.offsets(groupId);
        boolean nothingInFlight = !ctx.offsets.hasInFlight(groupId);
        if (offsets.isEmpty()) {
            return nothingInFlight;
        }
        ExpiryBase base = expiryBase(group);
        if (base == null) {
            return false;
        }
        boolean allExpired = true;
        for (Map.Entry<TopicPartition, OffsetValue> e : offsets.entrySet()) {
            TopicPartition tp = e.getKey();
            OffsetValue value = e.getValue();
            if (group.isSubscribedToTopic(tp.topic()) || ctx.offsets.isInFlight(groupId, tp)) {
                allExpired = false;
                continue;
            }
            long since = base == ExpiryBase.STATE_CHANGE && group.stateTimestamp() >= 0
                    ? group.stateTimestamp() : value.commitTimestamp();
            boolean expired = value.expireTimestamp() >= 0
                    ? now >= value.expireTimestamp()
                    : now - since >= ctx.config.offsetsRetentionMs();
            if (expired) {
                records.add(GroupRecords.offsetTombstone(new OffsetKey(groupId, tp.topic(), tp.partition())));
            } else {
                allExpired = false;
            }
        }
        return allExpired && nothingInFlight;
    }

    private enum ExpiryBase { STATE_CHANGE, COMMIT }

    /** From when a group's offsets age, or null if they must not expire in its current state. */
    private static ExpiryBase expiryBase(ClassicGroup group) {
        if (group.protocolType() == null) {
            return ExpiryBase.COMMIT;
        }
        if (group.is(GroupState.EMPTY)) {
            return ExpiryBase.STATE_CHANGE;
        }
        if (group.usesConsumerProtocol() && group.subscribedTopics() != null && group.is(GroupState.STABLE)) {
            return ExpiryBase.COMMIT;
        }
        return null;
    }
}
