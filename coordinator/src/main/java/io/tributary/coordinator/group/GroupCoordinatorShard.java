package io.tributary.coordinator.group;

import io.tributary.coordinator.group.GroupRecords.GroupKey;
import io.tributary.coordinator.group.GroupRecords.GroupValue;
import io.tributary.coordinator.group.GroupRecords.Key;
import io.tributary.coordinator.group.GroupRecords.OffsetKey;
import io.tributary.coordinator.group.GroupRecords.OffsetValue;
import io.tributary.coordinator.runtime.CoordinatorRecord;
import io.tributary.coordinator.runtime.CoordinatorShard;
import io.tributary.coordinator.runtime.CoordinatorResult;
import io.tributary.coordinator.runtime.ShardTimer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The consumer group coordinator for one partition of {@code __consumer_offsets}: Kafka's classic group
 * protocol and committed offsets, as a state machine over the partition's records.
 *
 * <p>Requests are answered with {@link CoordinatorResult}s: the records to write and the response. Durable
 * state (offsets, each group's last GroupMetadata record) changes only in {@link #replay}, and so does
 * what waits for a record: the leader's assignment makes the group Stable when it is replayed, a
 * static member's rejoin is answered then. A write that fails comes back to {@link #writeFailed}.
 * Membership during a rebalance, heartbeats and waiting requests are transient, as in Kafka: after a
 * reload, members of a Stable group carry on from the last persisted generation and anything in flight
 * starts over. JoinGroup and SyncGroup answer with a future, completed when the rebalance allows.
 *
 * <p>All methods run on the shard's thread. Returned futures complete on that thread too; their
 * continuations should hand responses off (e.g. to the network) rather than call back into the shard
 * synchronously.
 *
 * <p>Request versions: methods take kafka-clients' message classes at any version kafka-clients 4.4.0
 * decodes and return data that serializes at the request's version; see each method for what the
 * caller converts.
 */
public final class GroupCoordinatorShard implements CoordinatorShard {
    private static final Logger log = LoggerFactory.getLogger(GroupCoordinatorShard.class);
    private static final String CLASSIC = "classic";

    private final ShardContext ctx;
    private final MembershipHandler membership;
    private final OffsetHandler offsets;

    public GroupCoordinatorShard(GroupConfig config, LongSupplier clock, ShardTimer timer) {
        this.ctx = new ShardContext(config, clock, timer);
        this.membership = new MembershipHandler(ctx);
        this.offsets = new OffsetHandler(ctx, membership);
    }

    // ---- group membership ----

    /**
     * JoinGroup, any version 0-9. Version 0 has no rebalance timeout (the session timeout is used),
     * version 4+ gets MEMBER_ID_REQUIRED on a first join without an instance id, and the response's
     * protocol name and skipAssignment are set as the version expects.
     *
     * @param clientId the request header's client id (it prefixes new member ids)
     * @param clientHost the client's address as Kafka shows it, e.g. "/127.0.0.1"
     */
    public CoordinatorResult<CompletableFuture<JoinGroupResponseData>> joinGroup(JoinGroupRequestData request,
                                                                                 short version, String clientId,
                                                                                 String clientHost) {
        return membership.joinGroup(request, version, clientId, clientHost);
    }

    /**
     * SyncGroup, any version 0-5. The leader's assignment is written as a GroupMetadata record before
     * any member gets its assignment. Protocol type and name are checked when present (v5+).
     */
    public CoordinatorResult<CompletableFuture<SyncGroupResponseData>> syncGroup(SyncGroupRequestData request, short version) {
        return membership.syncGroup(request, version);
    }

    /** Heartbeat, any version 0-4; answered at once, writing nothing. */
    public CoordinatorResult<HeartbeatResponseData> heartbeat(HeartbeatRequestData request) {
        return CoordinatorResult.of(membership.heartbeat(request));
    }

    /**
     * LeaveGroup, any version 0-5. Before v3 the request names one member (top-level member id) and the
     * response carries that member's error at top level; from v3 members are batched with per-member
     * errors.
     */
    public CoordinatorResult<LeaveGroupResponseData> leaveGroup(LeaveGroupRequestData request, short version) {
        return membership.leaveGroup(request, version);
    }

    // ---- offsets ----

    /** OffsetCommit where every partition exists; see {@link #commitOffsets(OffsetCommitRequestData, short, Predicate)}. */
    public CoordinatorResult<OffsetCommitResponseData> commitOffsets(OffsetCommitRequestData request, short version) {
        return commitOffsets(request, version, tp -> true);
    }

    /**
     * OffsetCommit, any version 2-10. The response lists every requested partition in request order.
     * Partitions failing {@code partitionExists} get UNKNOWN_TOPIC_OR_PARTITION (UNKNOWN_TOPIC_ID from
     * v10) and are not written; the group is not even checked if none exists, as in Kafka. For v10 the
     * caller resolves topic ids to names in the request first (leaving the name empty for unknown ids);
     * the response repeats each topic's name and id as given.
     */
    public CoordinatorResult<OffsetCommitResponseData> commitOffsets(OffsetCommitRequestData request, short version,
                                                                    Predicate<TopicPartition> partitionExists) {
        return offsets.commitOffsets(request, version, partitionExists);
    }

    /**
     * OffsetFetch for one group, in the per-group shape of OffsetFetch v8+; the caller converts for
     * v1-v7 (one group, top-level error). Missing offsets read as -1 with leader epoch -1 and empty
     * metadata. With topics null, every committed offset is returned. For v10 the caller resolves topic
     * ids to names first and fills in the ids of an all-topics answer.
     *
     * @param requireStable a partition with an offset written by an open transaction answers
     *     UNSTABLE_OFFSET_COMMIT (clients retry); ordinary commits are never visible before they are written
     */
    public OffsetFetchResponseGroup fetchOffsets(String groupId, List<OffsetFetchRequestTopics> topicsOrNullForAll,
                                                 boolean requireStable) {
        return offsets.fetchOffsets(groupId, topicsOrNullForAll, requireStable);
    }

    /**
     * TxnOffsetCommit (v0-6): the records to write in the producer's transaction; see
     * {@link OffsetHandler#txnCommitOffsets}. Partitions failing {@code partitionExists} get
     * UNKNOWN_TOPIC_OR_PARTITION.
     */
    public CoordinatorResult<TxnOffsetCommitResponseData> txnCommitOffsets(TxnOffsetCommitRequestData request,
                                                                           Predicate<TopicPartition> partitionExists) {
        return offsets.txnCommitOffsets(request, partitionExists);
    }

    /** OffsetDelete where every partition exists; see {@link #deleteOffsets(OffsetDeleteRequestData, Predicate)}. */
    public CoordinatorResult<OffsetDeleteResponseData> deleteOffsets(OffsetDeleteRequestData request) {
        return deleteOffsets(request, tp -> true);
    }

    /**
     * OffsetDelete (v0). GROUP_ID_NOT_FOUND for an unknown group, NON_EMPTY_GROUP for a live group that
     * does not use the consumer protocol, GROUP_SUBSCRIBED_TO_TOPIC for a topic a member subscribes to,
     * UNKNOWN_TOPIC_OR_PARTITION where {@code partitionExists} says so.
     */
    public CoordinatorResult<OffsetDeleteResponseData> deleteOffsets(OffsetDeleteRequestData request,
                                                                    Predicate<TopicPartition> partitionExists) {
        return offsets.deleteOffsets(request, partitionExists);
    }

    /**
     * Deletes expired offsets and the empty groups left without any; the runtime calls this every
     * {@code offsets.retention.check.interval.ms}. Answers the number of offsets deleted once the
     * tombstones are written (0 if they could not be).
     */
    public CoordinatorResult<Integer> expireOffsets() {
        if (ctx.phase != ShardContext.Phase.ACTIVE) {
            return CoordinatorResult.of(0);
        }
        long now = ctx.now();
        List<CoordinatorRecord> records = new ArrayList<>();
        List<ClassicGroup> deleting = new ArrayList<>();
        for (ClassicGroup group : new ArrayList<>(ctx.groups.values())) {
            if (group.is(GroupState.DEAD)) {
                continue;
            }
            boolean noneLeft = offsets.collectExpired(group, now, records);
            if (noneLeft && group.is(GroupState.EMPTY) && group.pendingMemberCount() == 0) {
                String id = group.groupId();
                if (!ctx.persistedGroups.containsKey(id) && !ctx.offsets.hasOffsets(id)) {
                    ctx.dropIfUnused(group);
                } else {
                    deleting.add(group);
                }
            }
        }
        int expired = records.size();
        for (ClassicGroup group : deleting) {
            records.add(GroupRecords.groupTombstone(group.groupId()));
            group.cancelTimers();
            group.transitionTo(GroupState.DEAD);
        }
        if (records.isEmpty()) {
            return CoordinatorResult.of(0);
        }
        log.info("Expiring {} offsets and deleting {} empty groups", expired, deleting.size());
        return new CoordinatorResult<>(records, expired, error -> 0);
    }

    // ---- administration ----

    /** DescribeGroups for one group, answered as at the latest version (unknown group: GROUP_ID_NOT_FOUND). */
    public DescribedGroup describeGroup(String groupId) {
        return describeGroup(groupId, (short) 6);
    }

    /**
     * DescribeGroups for one group, any version 0-6. An unknown group is reported in state Dead, with
     * GROUP_ID_NOT_FOUND from v6 on. Members carry their metadata and assignment only when the group is
     * Stable. Authorized operations are left to the caller.
     */
    public DescribedGroup describeGroup(String groupId, short version) {
        DescribedGroup described = new DescribedGroup().setGroupId(groupId);
        Errors unavailable = ctx.availability();
        if (unavailable != Errors.NONE) {
            return described.setErrorCode(unavailable.code());
        }
        if (!ShardContext.isValidGroupId(groupId)) {
            return described.setErrorCode(Errors.INVALID_GROUP_ID.code());
        }
        ClassicGroup group = ctx.groups.get(groupId);
        if (group == null || group.is(GroupState.DEAD)) {
            described.setGroupState(GroupState.DEAD.kafkaName()).setProtocolType("").setProtocolData("");
            if (version >= 6) {
                described.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
                        .setErrorMessage("Group " + groupId + " not found.");
            }
            return described;
        }
        boolean stable = group.is(GroupState.STABLE);
        List<DescribedGroupMember> members = new ArrayList<>();
        for (GroupMember m : group.members()) {
            members.add(m.describe(group.protocolName(), stable));
        }
        return described
                .setGroupState(group.state().kafkaName())
                .setProtocolType(group.protocolType() == null ? "" : group.protocolType())
                .setProtocolData(stable && group.protocolName() != null ? group.protocolName() : "")
                .setMembers(members);
    }

    /**
     * ListGroups, any version 0-5: groups whose state matches one of {@code statesFilter} (Kafka's state
     * names, case-insensitive; empty or null for all) and whose type is in {@code typesFilter} (all of
     * ours are "classic"; empty or null for all). State (v4+) and type (v5+) are always filled in; older
     * versions ignore them.
     */
    public List<ListedGroup> listGroups(Set<String> statesFilter, Set<String> typesFilter) {
        if (ctx.phase != ShardContext.Phase.ACTIVE) {
            return List.of();
        }
        Set<String> states = lowerCase(statesFilter);
        Set<String> types = lowerCase(typesFilter);
        if (!types.isEmpty() && !types.contains(CLASSIC)) {
            return List.of();
        }
        List<ListedGroup> out = new ArrayList<>();
        for (ClassicGroup g : ctx.groups.values()) {
            String state = g.state().kafkaName();
            if (g.is(GroupState.DEAD) || !states.isEmpty() && !states.contains(state.toLowerCase(Locale.ROOT))) {
                continue;
            }
            out.add(new ListedGroup()
                    .setGroupId(g.groupId())
                    .setProtocolType(g.protocolType() == null ? "" : g.protocolType())
                    .setGroupState(state)
                    .setGroupType(CLASSIC));
        }
        out.sort((a, b) -> a.groupId().compareTo(b.groupId()));
        return out;
    }

    private static Set<String> lowerCase(Set<String> filter) {
        if (filter == null) {
            return Set.of();
        }
        return filter.stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    }

    /**
     * DeleteGroups: each empty group is deleted with all its offsets (tombstones for both);
     * GROUP_ID_NOT_FOUND for unknown groups, NON_EMPTY_GROUP for groups with members. One result per
     * requested id, in order, once the tombstones are written.
     */
    public CoordinatorResult<List<DeletableGroupResult>> deleteGroups(List<String> groupIds) {
        List<DeletableGroupResult> results = new ArrayList<>();
        List<CoordinatorRecord> records = new ArrayList<>();
        List<DeletableGroupResult> deletingResults = new ArrayList<>();
        for (String groupId : groupIds) {
            DeletableGroupResult result = new DeletableGroupResult().setGroupId(groupId);
            results.add(result);
            Errors error = checkDeletable(groupId);
            if (error != Errors.NONE) {
                result.setErrorCode(error.code());
                continue;
            }
            ClassicGroup group = ctx.groups.get(groupId);
            for (TopicPartition tp : ctx.offsets.knownPartitions(groupId)) {
                records.add(GroupRecords.offsetTombstone(new OffsetKey(groupId, tp.topic(), tp.partition())));
            }
            records.add(GroupRecords.groupTombstone(groupId));
            group.clearPendingMembers();
            group.cancelTimers();
            group.transitionTo(GroupState.DEAD);
            deletingResults.add(result);
        }
        // Until the tombstones are replayed the groups are Dead, refusing requests; a failed write revives them.
        return new CoordinatorResult<>(records, results, error -> {
            deletingResults.forEach(r -> r.setErrorCode(error.code()));
            return results;
        });
    }

    private Errors checkDeletable(String groupId) {
        Errors unavailable = ctx.availability();
        if (unavailable != Errors.NONE) {
            return unavailable;
        }
        if (!ShardContext.isValidGroupId(groupId)) {
            return Errors.INVALID_GROUP_ID;
        }
        ClassicGroup group = ctx.groups.get(groupId);
        if (group == null || group.is(GroupState.DEAD)) {
            return Errors.GROUP_ID_NOT_FOUND;
        }
        return group.is(GroupState.EMPTY) ? Errors.NONE : Errors.NON_EMPTY_GROUP;
    }

    // ---- the state machine ----

    @Override
    public void replay(CoordinatorRecord record) {
        Key key = GroupRecords.decodeKey(record.key());
        if (key instanceof OffsetKey k) {
            replayOffset(k, record);
        } else if (key instanceof GroupKey k) {
            replayGroup(k.group(), record);
        }
    }

    @Override
    public void replayTransactional(long producerId, CoordinatorRecord record) {
        if (GroupRecords.decodeKey(record.key()) instanceof OffsetKey key && !record.isTombstone()) {
            offsets.replayTransactional(producerId, key, GroupRecords.decodeOffsetValue(record.value()));
        }
    }

    @Override
    public void replayMarker(long producerId, boolean commit) {
        for (String group : offsets.replayMarker(producerId, commit)) {
            if (ctx.phase == ShardContext.Phase.ACTIVE && !ctx.groups.containsKey(group)) {
                ctx.createGroup(group);
            }
        }
    }

    private void replayOffset(OffsetKey key, CoordinatorRecord record) {
        TopicPartition tp = new TopicPartition(key.topic(), key.partition());
        if (record.isTombstone()) {
            ctx.offsets.remove(key.group(), tp);
            return;
        }
        OffsetValue value = GroupRecords.decodeOffsetValue(record.value());
        ctx.offsets.put(key.group(), tp, value);
        ctx.offsets.removeInFlight(key.group(), List.of(tp));
        if (ctx.phase == ShardContext.Phase.ACTIVE && !ctx.groups.containsKey(key.group())) {
            // A simple consumer's first commit: its group exists from now on, Empty and without protocol.
            ctx.createGroup(key.group());
        }
    }

    private void replayGroup(String groupId, CoordinatorRecord record) {
        if (record.isTombstone()) {
            ctx.persistedGroups.remove(groupId);
            ClassicGroup live = ctx.groups.get(groupId);
            if (ctx.phase == ShardContext.Phase.ACTIVE && live != null && live.is(GroupState.DEAD)) {
                ctx.groups.remove(groupId);
                live.cancelTimers();
                if (ctx.offsets.hasOffsets(groupId)) {
                    // Offsets committed while the deletion was being written survive it.
                    ctx.createGroup(groupId);
                }
            }
            return;
        }
        GroupValue value = GroupRecords.decodeGroupValue(record.value());
        ctx.persistedGroups.put(groupId, value);
        if (ctx.phase != ShardContext.Phase.ACTIVE) {
            return;
        }
        ClassicGroup live = ctx.groups.get(groupId);
        if (live == null) {
            ClassicGroup group = ClassicGroup.fromRecord(groupId, value, ctx.clock, ctx.timer);
            ctx.groups.put(groupId, group);
            membership.onGroupLoaded(group);
        } else {
            membership.groupStored(live, value);
        }
    }

    /**
     * Records that could not be written: commits stop being in flight, groups being deleted come back,
     * and a group's record takes back what waited for it (see {@link MembershipHandler#groupStoreFailed}).
     */
    @Override
    public List<CoordinatorRecord> writeFailed(List<CoordinatorRecord> records, Errors error) {
        List<CoordinatorRecord> instead = new ArrayList<>();
        for (CoordinatorRecord record : records) {
            Key key = GroupRecords.decodeKey(record.key());
            if (key instanceof OffsetKey k && !record.isTombstone()) {
                ctx.offsets.removeInFlight(k.group(), List.of(new TopicPartition(k.topic(), k.partition())));
            } else if (key instanceof GroupKey k) {
                ClassicGroup live = ctx.groups.get(k.group());
                if (live != null && record.isTombstone() && live.is(GroupState.DEAD)) {
                    live.revive();
                } else if (live != null && !record.isTombstone()) {
                    membership.groupStoreFailed(live, GroupRecords.decodeGroupValue(record.value()), error, instead);
                }
            }
        }
        return instead;
    }

    @Override
    public List<CoordinatorRecord> liveRecords() {
        List<CoordinatorRecord> records = new ArrayList<>();
        ctx.persistedGroups.forEach((groupId, value) -> records.add(GroupRecords.groupMetadata(groupId, value)));
        for (String groupId : ctx.offsets.groups()) {
            for (Map.Entry<TopicPartition, OffsetValue> e : ctx.offsets.offsets(groupId).entrySet()) {
                TopicPartition tp = e.getKey();
                records.add(GroupRecords.offsetCommit(new OffsetKey(groupId, tp.topic(), tp.partition()), e.getValue()));
            }
        }
        return records;
    }

    @Override
    public void onLoaded() {
        if (ctx.phase != ShardContext.Phase.LOADING) {
            return;
        }
        ctx.persistedGroups.forEach((groupId, value) ->
                ctx.groups.put(groupId, ClassicGroup.fromRecord(groupId, value, ctx.clock, ctx.timer)));
        for (String groupId : ctx.offsets.groups()) {
            if (!ctx.groups.containsKey(groupId)) {
                ctx.createGroup(groupId);
            }
        }
        ctx.phase = ShardContext.Phase.ACTIVE;
        for (ClassicGroup group : new ArrayList<>(ctx.groups.values())) {
            membership.onGroupLoaded(group);
        }
        log.debug("Loaded {} groups", ctx.groups.size());
    }

    @Override
    public void onUnloaded() {
        ctx.phase = ShardContext.Phase.UNLOADED;
        List<ClassicGroup> groups = new ArrayList<>(ctx.groups.values());
        ctx.groups.clear();
        ctx.offsets.clearInFlight();
        for (ClassicGroup group : groups) {
            MembershipHandler.abandon(group);
        }
    }
}
