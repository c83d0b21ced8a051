package io.tributary.coordinator.group;

import io.tributary.coordinator.group.GroupMember.Protocol;
import io.tributary.coordinator.group.GroupRecords.GroupValue;
import io.tributary.coordinator.runtime.CoordinatorRecord;
import io.tributary.coordinator.runtime.CoordinatorResult;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The classic rebalance protocol: JoinGroup, SyncGroup, Heartbeat and LeaveGroup, with the timeouts that
 * drive a group through Empty, PreparingRebalance, CompletingRebalance and Stable as Kafka's classic
 * coordinator does. Membership is transient; what survives a reload is the GroupMetadata record written
 * when the leader's assignment arrives (and when a group becomes empty).
 */
final class MembershipHandler {
    private static final Logger log = LoggerFactory.getLogger(MembershipHandler.class);

    /** How long a member that never completed a join may wait in one (Kafka's fixed 5 minutes). */
    static final int NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

    private final ShardContext ctx;

    MembershipHandler(ShardContext ctx) {
        this.ctx = ctx;
    }

    /** A JoinGroup request with its version-dependent parts resolved. */
    private record Join(String groupId, String memberId, String groupInstanceId, String protocolType,
                        List<Protocol> protocols, Set<String> protocolNames, int sessionTimeoutMs,
                        int rebalanceTimeoutMs, short version, String clientId, String clientHost) {
    }

    // ---- JoinGroup ----

    CoordinatorResult<CompletableFuture<JoinGroupResponseData>> joinGroup(JoinGroupRequestData request, short version,
                                                                          String clientId, String clientHost) {
        CompletableFuture<JoinGroupResponseData> future = new CompletableFuture<>();
        CompletableFuture<JoinGroupResponseData> response = future.thenApply(r -> forVersion(r, version));
        List<CoordinatorRecord> records = new ArrayList<>();
        join(request, version, clientId, clientHost, future, records);
        // A failed write has answered the join through writeFailed, or leaves it waiting on the rebalance.
        return new CoordinatorResult<>(records, response, error -> response);
    }

    private void join(JoinGroupRequestData request, short version, String clientId, String clientHost,
                      CompletableFuture<JoinGroupResponseData> future, List<CoordinatorRecord> records) {
        String memberId = request.memberId() == null ? "" : request.memberId();

        Errors unavailable = ctx.availability();
        if (unavailable != Errors.NONE) {
            future.complete(joinError(memberId, unavailable));
            return;
        }
        if (!ShardContext.isValidGroupId(request.groupId())) {
            future.complete(joinError(memberId, Errors.INVALID_GROUP_ID));
            return;
        }
        int sessionTimeout = request.sessionTimeoutMs();
        if (sessionTimeout < ctx.config.minSessionTimeoutMs() || sessionTimeout > ctx.config.maxSessionTimeoutMs()) {
            future.complete(joinError(memberId, Errors.INVALID_SESSION_TIMEOUT));
            return;
        }
        Join join = toJoin(request, memberId, version, clientId, clientHost);

        ClassicGroup group = ctx.groups.get(join.groupId());
        if (group == null) {
            // A member id names a member of an existing group; only a new member creates the group.
            if (!memberId.isEmpty()) {
                future.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
                return;
            }
            if (join.protocolType().isEmpty() || join.protocols().isEmpty()) {
                future.complete(joinError("", Errors.INCONSISTENT_GROUP_PROTOCOL));
                return;
            }
            group = ctx.createGroup(join.groupId());
        }

        if (!acceptJoiningMember(group, memberId)) {
            group.remove(memberId);
            future.complete(joinError("", Errors.GROUP_MAX_SIZE_REACHED));
            maybeCompleteJoinPhase(group, records);
        } else if (memberId.isEmpty()) {
            joinNewMember(group, join, future, records);
        } else {
            joinExistingMember(group, join, future, records);
        }
    }

    private static Join toJoin(JoinGroupRequestData request, String memberId, short version, String clientId,
                               String clientHost) {
        List<Protocol> protocols = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        if (request.protocols() != null) {
            for (JoinGroupRequestProtocol p : request.protocols()) {
                if (p.name() != null) {
                    protocols.add(new Protocol(p.name(), p.metadata()));
                    names.add(p.name());
                }
            }
        }
        int session = request.sessionTimeoutMs();
        // Version 0 has no rebalance timeout: the session timeout served for both.
        int rebalance = version == 0 || request.rebalanceTimeoutMs() < 0 ? session : request.rebalanceTimeoutMs();
        return new Join(request.groupId(), memberId, request.groupInstanceId(),
                request.protocolType() == null ? "" : request.protocolType(), protocols, names, session, rebalance,
                version, clientId, clientHost);
    }

    /** Whether the group has room for the member; a shrunk group.max.size lets the last rejoiners go. */
    private boolean acceptJoiningMember(ClassicGroup group, String memberId) {
        int max = ctx.config.maxSize();
        return switch (group.state()) {
            case EMPTY, DEAD -> true;
            case PREPARING_REBALANCE -> (group.hasMember(memberId) && group.member(memberId).isAwaitingJoin())
                    || group.numAwaitingJoin() < max;
            case COMPLETING_REBALANCE, STABLE -> group.hasMember(memberId) || group.size() < max;
        };
    }

    private void joinNewMember(ClassicGroup group, Join join, CompletableFuture<JoinGroupResponseData> future,
                               List<CoordinatorRecord> records) {
        if (group.is(GroupState.DEAD)) {
            future.complete(joinError("", Errors.COORDINATOR_NOT_AVAILABLE));
            return;
        }
        if (!group.supportsProtocols(join.protocolType(), join.protocolNames())) {
            future.complete(joinError("", Errors.INCONSISTENT_GROUP_PROTOCOL));
            return;
        }
        String prefix = join.groupInstanceId() != null ? join.groupInstanceId() : join.clientId();
        String newMemberId = (prefix == null ? "" : prefix) + "-" + UUID.randomUUID();

        if (join.groupInstanceId() != null) {
            String existing = group.staticMemberId(join.groupInstanceId());
            if (existing != null) {
                replaceStaticMember(group, join, existing, newMemberId, future, records);
            } else {
                addMemberThenRebalance(group, join, newMemberId, future, records);
            }
        } else if (join.version() >= 4) {
            // KIP-394: hand out the id first, so a client that times out and retries cannot leave
            // anonymous members behind in the rebalance.
            TimerSlot expiry = new TimerSlot(ctx.timer);
            group.addPendingMember(newMemberId, expiry);
            expiry.schedule(join.sessionTimeoutMs(), later -> expireHeartbeat(group, newMemberId, later));
            future.complete(joinError(newMemberId, Errors.MEMBER_ID_REQUIRED));
        } else {
            addMemberThenRebalance(group, join, newMemberId, future, records);
        }
    }

    private void joinExistingMember(ClassicGroup group, Join join, CompletableFuture<JoinGroupResponseData> future,
                                    List<CoordinatorRecord> records) {
        String memberId = join.memberId();
        if (group.is(GroupState.DEAD)) {
            future.complete(joinError(memberId, Errors.COORDINATOR_NOT_AVAILABLE));
            return;
        }
        if (!group.supportsProtocols(join.protocolType(), join.protocolNames())) {
            future.complete(joinError(memberId, Errors.INCONSISTENT_GROUP_PROTOCOL));
            return;
        }
        if (group.isPendingMember(memberId)) {
            if (join.groupInstanceId() != null) {
                // Pending ids are only handed to dynamic members.
                future.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
            } else {
                addMemberThenRebalance(group, join, memberId, future, records);
            }
            return;
        }
        Errors invalid = group.validateMember(memberId, join.groupInstanceId());
        if (invalid != Errors.NONE) {
            future.complete(joinError(memberId, invalid));
            return;
        }
        GroupMember member = group.member(memberId);
        switch (group.state()) {
            case PREPARING_REBALANCE -> updateMemberThenRebalance(group, member, join, future, records);
            case COMPLETING_REBALANCE -> {
                if (member.matches(join.protocols())) {
                    // It probably missed the JoinGroup response: repeat the current generation.
                    future.complete(currentGeneration(group, memberId, group.isLeader(memberId)));
                } else {
                    updateMemberThenRebalance(group, member, join, future, records);
                }
            }
            case STABLE -> {
                // The leader rejoining means it wants a new assignment (e.g. topic metadata changed).
                if (group.isLeader(memberId) || !member.matches(join.protocols())) {
                    updateMemberThenRebalance(group, member, join, future, records);
                } else {
                    future.complete(currentGeneration(group, memberId, false));
                }
            }
            default -> future.complete(joinError(memberId, Errors.UNKNOWN_MEMBER_ID));
        }
    }

    private void addMemberThenRebalance(ClassicGroup group, Join join, String memberId,
                                        CompletableFuture<JoinGroupResponseData> future, List<CoordinatorRecord> records) {
        GroupMember member = new GroupMember(memberId, join.groupInstanceId(), join.clientId(), join.clientHost(),
                join.rebalanceTimeoutMs(), join.sessionTimeoutMs(), join.protocolType(), join.protocols(),
                new TimerSlot(ctx.timer));
        member.setNew(true);
        if (group.is(GroupState.PREPARING_REBALANCE) && group.previousState() == GroupState.EMPTY) {
            group.setNewMemberAdded(true);
        }
        group.add(member, future);
        // A new member cannot heartbeat yet; bound how long its join may hang instead.
        scheduleHeartbeat(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
        maybePrepareRebalanceOrCompleteJoin(group, records);
    }

    private void updateMemberThenRebalance(ClassicGroup group, GroupMember member, Join join,
                                           CompletableFuture<JoinGroupResponseData> future, List<CoordinatorRecord> records) {
        CompletableFuture<JoinGroupResponseData> replaced = group.updateMember(member, join.protocols(),
                join.rebalanceTimeoutMs(), join.sessionTimeoutMs(), future);
        if (replaced != null && replaced != future) {
            replaced.complete(joinError(member.memberId(), Errors.REBALANCE_IN_PROGRESS));
        }
        maybePrepareRebalanceOrCompleteJoin(group, records);
    }

    /**
     * KIP-345: a static member came back with a new member id. It takes the old member's place; in a
     * Stable group whose protocol choice does not change, it keeps its assignment and nobody rebalances.
     */
    private void replaceStaticMember(ClassicGroup group, Join join, String oldMemberId, String newMemberId,
                                     CompletableFuture<JoinGroupResponseData> future, List<CoordinatorRecord> records) {
        String instanceId = join.groupInstanceId();
        String leaderBefore = group.leaderId();
        GroupMember member = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
        scheduleHeartbeat(group, member, member.sessionTimeoutMs());
        StaticRejoin rejoin = new StaticRejoin(instanceId, oldMemberId, newMemberId, member.protocols(),
                member.rebalanceTimeoutMs(), member.sessionTimeoutMs(), leaderBefore, group.generationId(), join.version(),
                future);
        group.updateMember(member, join.protocols(), join.rebalanceTimeoutMs(), join.sessionTimeoutMs(), future);

        switch (group.state()) {
            case STABLE -> {
                if (!group.selectProtocol().equals(group.protocolName())) {
                    maybePrepareRebalanceOrCompleteJoin(group, records);
                    return;
                }
                // Answered once the group's record with the new member id is replayed (or undone if it fails).
                group.staticRejoins.put(newMemberId, rejoin);
                records.add(GroupRecords.groupMetadata(group.groupId(), group.toRecord(group.assignments())));
            }
            // The leader may already be assigning to the old member id: start over.
            case COMPLETING_REBALANCE -> prepareRebalance(group, "static member " + instanceId + " rejoined", records);
            case PREPARING_REBALANCE -> maybeCompleteJoinPhase(group, records);
            default -> throw new IllegalStateException("group " + group.groupId() + " in state " + group.state()
                    + " cannot have static member " + instanceId);
        }
    }

    /**
     * A static member's rejoin of a Stable group, waiting for the group's record: what it takes to answer
     * it once the record is replayed, or to put the old member back if the record cannot be written.
     */
    record StaticRejoin(String instanceId, String oldMemberId, String newMemberId, List<Protocol> oldProtocols,
                        int oldRebalanceTimeoutMs, int oldSessionTimeoutMs, String leaderBefore, int generation,
                        short version, CompletableFuture<JoinGroupResponseData> future) {
    }

    private void answerStaticRejoin(ClassicGroup group, StaticRejoin rejoin) {
        GroupMember member = group.member(rejoin.newMemberId());
        if (member == null) {
            return;
        }
        if (rejoin.version() >= 9) {
            // KIP-814: a returning leader gets the members but may skip assigning.
            boolean isLeader = group.isLeader(rejoin.newMemberId());
            group.completeJoin(member, currentGeneration(group, rejoin.newMemberId(), isLeader).setSkipAssignment(isLeader));
        } else {
            // Older clients would reassign if told they lead: name the old leader id.
            group.completeJoin(member, currentGeneration(group, rejoin.newMemberId(), false)
                    .setLeader(rejoin.leaderBefore() == null ? "" : rejoin.leaderBefore()));
        }
    }

    private void undoStaticRejoin(ClassicGroup group, StaticRejoin rejoin, Errors error) {
        String instanceId = rejoin.instanceId();
        log.warn("Could not persist static member {} of group {} ({}); keeping member id {}",
                instanceId, group.groupId(), error, rejoin.oldMemberId());
        GroupMember member = group.member(rejoin.newMemberId());
        if (member != null && member.memberId().equals(group.staticMemberId(instanceId))) {
            CompletableFuture<JoinGroupResponseData> waiting = group.updateMember(member, rejoin.oldProtocols(),
                    rejoin.oldRebalanceTimeoutMs(), rejoin.oldSessionTimeoutMs(), null);
            if (waiting != null && waiting != rejoin.future()) {
                waiting.complete(joinError(member.memberId(), error));
            }
            GroupMember restored = group.replaceStaticMember(instanceId, member.memberId(), rejoin.oldMemberId());
            scheduleHeartbeat(group, restored, restored.sessionTimeoutMs());
        }
        rejoin.future().complete(new JoinGroupResponseData()
                .setMemberId("")
                .setGenerationId(rejoin.generation())
                .setProtocolType(group.protocolType())
                .setProtocolName(group.protocolName())
                .setLeader(rejoin.leaderBefore() == null ? "" : rejoin.leaderBefore())
                .setErrorCode(error.code()));
    }

    // ---- the group's record, written ----

    /**
     * The live group's GroupMetadata record was committed and replayed: the leader's assignment of the
     * generation being completed makes the group Stable and answers every SyncGroup; a static member's
     * rejoin is answered.
     */
    void groupStored(ClassicGroup group, GroupValue value) {
        if (group.is(GroupState.COMPLETING_REBALANCE) && group.generationId() == value.generation()
                && !value.members().isEmpty()) {
            Map<String, byte[]> assignment = new HashMap<>();
            value.members().forEach(m -> assignment.put(m.memberId(), m.assignment()));
            for (GroupMember m : group.members()) {
                byte[] assigned = assignment.get(m.memberId());
                m.setAssignment(assigned == null ? GroupMember.EMPTY_BYTES : assigned);
            }
            group.transitionTo(GroupState.STABLE);
            propagateAssignment(group, Errors.NONE);
            return;
        }
        value.members().forEach(m -> {
            StaticRejoin rejoin = group.staticRejoins.remove(m.memberId());
            if (rejoin != null) {
                answerStaticRejoin(group, rejoin);
            }
        });
    }

    /** The live group's GroupMetadata record could not be written: what waited for it learns the error. */
    void groupStoreFailed(ClassicGroup group, GroupValue value, Errors error, List<CoordinatorRecord> records) {
        if (group.is(GroupState.COMPLETING_REBALANCE) && group.generationId() == value.generation()
                && !value.members().isEmpty()) {
            log.warn("Could not persist assignment of group {} generation {}: {}", group.groupId(), value.generation(), error);
            resetAndPropagateAssignment(group, error);
            maybePrepareRebalanceOrCompleteJoin(group, records);
            return;
        }
        boolean rejoin = false;
        for (GroupRecords.MemberValue m : value.members()) {
            StaticRejoin waiting = group.staticRejoins.remove(m.memberId());
            if (waiting != null) {
                undoStaticRejoin(group, waiting, error);
                rejoin = true;
            }
        }
        if (!rejoin && value.members().isEmpty()) {
            // The previous generation stays in the log; its members are gone and will time out.
            log.warn("Could not persist empty group {}: {}", group.groupId(), error);
        }
    }

    // ---- rebalance phases ----

    void maybePrepareRebalanceOrCompleteJoin(ClassicGroup group, List<CoordinatorRecord> records) {
        if (group.canRebalance()) {
            prepareRebalance(group, "membership changed", records);
        } else {
            maybeCompleteJoinPhase(group, records);
        }
    }

    void prepareRebalance(ClassicGroup group, String reason, List<CoordinatorRecord> records) {
        if (group.is(GroupState.COMPLETING_REBALANCE)) {
            resetAndPropagateAssignment(group, Errors.REBALANCE_IN_PROGRESS);
        }
        group.clearPendingSync();
        group.syncTimer.cancel();

        boolean initial = group.is(GroupState.EMPTY);
        if (initial) {
            // A new group waits a little for more members before its first generation.
            int delay = ctx.config.initialRebalanceDelayMs();
            int remaining = Math.max(group.rebalanceTimeoutMs() - delay, 0);
            group.joinTimer.schedule(delay, later -> tryCompleteInitialRebalance(group, delay, remaining, later));
        }
        group.transitionTo(GroupState.PREPARING_REBALANCE);
        log.debug("Preparing to rebalance group {} with old generation {} ({})",
                group.groupId(), group.generationId(), reason);
        if (!initial) {
            if (group.hasAllMembersJoined()) {
                completeJoin(group, records);
            } else {
                group.joinTimer.schedule(group.rebalanceTimeoutMs(), later -> onJoinTimeout(group, later));
            }
        }
    }

    private void tryCompleteInitialRebalance(ClassicGroup group, int delayMs, int remainingMs, List<CoordinatorRecord> records) {
        if (!ctx.isCurrent(group)) {
            return;
        }
        if (group.newMemberAdded() && remainingMs != 0) {
            group.setNewMemberAdded(false);
            int nextDelay = Math.min(ctx.config.initialRebalanceDelayMs(), remainingMs);
            int nextRemaining = Math.max(remainingMs - delayMs, 0);
            group.joinTimer.schedule(nextDelay, later -> tryCompleteInitialRebalance(group, nextDelay, nextRemaining, later));
        } else {
            completeJoin(group, records);
        }
    }

    private void onJoinTimeout(ClassicGroup group, List<CoordinatorRecord> records) {
        if (ctx.isCurrent(group)) {
            completeJoin(group, records);
        }
    }

    /** Completes the join phase early once everyone is in, except during the initial delay. */
    void maybeCompleteJoinPhase(ClassicGroup group, List<CoordinatorRecord> records) {
        if (group.is(GroupState.PREPARING_REBALANCE) && group.previousState() != GroupState.EMPTY
                && group.hasAllMembersJoined()) {
            completeJoin(group, records);
        }
    }

    /**
     * Ends the join phase: dynamic members that did not rejoin are dropped (static ones keep their place),
     * the next generation starts, and every waiting member learns it; the leader also gets everyone's
     * metadata to compute the assignment.
     */
    private void completeJoin(ClassicGroup group, List<CoordinatorRecord> records) {
        if (!group.is(GroupState.PREPARING_REBALANCE)) {
            return;
        }
        group.joinTimer.cancel();
        for (GroupMember m : group.notYetRejoinedMembers()) {
            if (!m.isStatic()) {
                group.remove(m.memberId());
                m.completeSync(syncError(Errors.UNKNOWN_MEMBER_ID));
            }
        }
        if (!group.maybeElectNewJoinedLeader() && group.size() > 0) {
            // Only static members that have not come back: wait for them or for their sessions to end.
            group.joinTimer.schedule(group.rebalanceTimeoutMs(), later -> onJoinTimeout(group, later));
            return;
        }
        group.initNextGeneration();
        if (group.is(GroupState.EMPTY)) {
            log.debug("Group {} with generation {} is now empty", group.groupId(), group.generationId());
            records.add(GroupRecords.groupMetadata(group.groupId(), group.toRecord(Map.of())));
            return;
        }
        log.info("Group {} generation {} formed with {} members, protocol {}",
                group.groupId(), group.generationId(), group.size(), group.protocolName());
        List<GroupMember> members = new ArrayList<>(group.members());
        for (GroupMember m : members) {
            scheduleHeartbeat(group, m, m.sessionTimeoutMs());
            m.setNew(false);
            group.addPendingSync(m.memberId());
        }
        int generation = group.generationId();
        group.syncTimer.schedule(group.rebalanceTimeoutMs(), later -> expirePendingSync(group, generation, later));
        for (GroupMember m : members) {
            group.completeJoin(m, currentGeneration(group, m.memberId(), group.isLeader(m.memberId())));
        }
    }

    /** Members that got the join response but never sent SyncGroup are removed. */
    private void expirePendingSync(ClassicGroup group, int generation, List<CoordinatorRecord> records) {
        if (!ctx.isCurrent(group) || group.generationId() != generation) {
            return;
        }
        if ((group.is(GroupState.COMPLETING_REBALANCE) || group.is(GroupState.STABLE))
                && !group.pendingSyncMembers().isEmpty()) {
            List<String> late = new ArrayList<>(group.pendingSyncMembers());
            for (String memberId : late) {
                GroupMember removed = group.remove(memberId);
                if (removed != null) {
                    answerRemoved(removed);
                }
            }
            prepareRebalance(group, "members " + late + " did not sync in time", records);
        }
    }

    // ---- SyncGroup ----

    CoordinatorResult<CompletableFuture<SyncGroupResponseData>> syncGroup(SyncGroupRequestData request, short version) {
        CompletableFuture<SyncGroupResponseData> future = new CompletableFuture<>();
        List<CoordinatorRecord> records = new ArrayList<>();
        sync(request, future, records);
        // A failed write of the assignment answers every member, this one included, through writeFailed.
        return new CoordinatorResult<>(records, future, error -> future);
    }

    private void sync(SyncGroupRequestData request, CompletableFuture<SyncGroupResponseData> future,
                      List<CoordinatorRecord> records) {
        Errors unavailable = ctx.availability();
        if (unavailable != Errors.NONE) {
            // A loading coordinator lost the rebalance in progress: make the member rejoin (Kafka does too).
            future.complete(syncError(unavailable == Errors.COORDINATOR_LOAD_IN_PROGRESS ? Errors.REBALANCE_IN_PROGRESS : unavailable));
            return;
        }
        if (!ShardContext.isValidGroupId(request.groupId())) {
            future.complete(syncError(Errors.INVALID_GROUP_ID));
            return;
        }
        ClassicGroup group = ctx.groups.get(request.groupId());
        if (group == null || group.is(GroupState.EMPTY)) {
            future.complete(syncError(Errors.UNKNOWN_MEMBER_ID));
            return;
        }
        String memberId = request.memberId() == null ? "" : request.memberId();
        Errors invalid = validateSync(group, request, memberId);
        if (invalid != Errors.NONE) {
            future.complete(syncError(invalid));
            return;
        }
        switch (group.state()) {
            case PREPARING_REBALANCE -> future.complete(syncError(Errors.REBALANCE_IN_PROGRESS));
            case COMPLETING_REBALANCE -> {
                GroupMember member = group.member(memberId);
                CompletableFuture<SyncGroupResponseData> replaced = member.setSyncFuture(future);
                if (replaced != null) {
                    replaced.complete(syncError(Errors.REBALANCE_IN_PROGRESS));
                }
                removePendingSync(group, memberId);
                if (group.isLeader(memberId)) {
                    records.add(assignmentRecord(group, request));
                }
            }
            case STABLE -> {
                removePendingSync(group, memberId);
                GroupMember member = group.member(memberId);
                scheduleHeartbeat(group, member, member.sessionTimeoutMs());
                future.complete(new SyncGroupResponseData()
                        .setProtocolType(group.protocolType())
                        .setProtocolName(group.protocolName())
                        .setAssignment(member.assignment()));
            }
            default -> future.complete(syncError(Errors.COORDINATOR_NOT_AVAILABLE));
        }
    }

    private Errors validateSync(ClassicGroup group, SyncGroupRequestData request, String memberId) {
        if (group.is(GroupState.DEAD)) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        Errors invalid = group.validateMember(memberId, request.groupInstanceId());
        if (invalid != Errors.NONE) {
            return invalid;
        }
        if (request.generationId() != group.generationId()) {
            return Errors.ILLEGAL_GENERATION;
        }
        // Version 5+ names the protocol the member thinks it is in; absent (null) before.
        if (inconsistent(request.protocolType(), group.protocolType())
                || inconsistent(request.protocolName(), group.protocolName())) {
            return Errors.INCONSISTENT_GROUP_PROTOCOL;
        }
        return Errors.NONE;
    }

    private static boolean inconsistent(String fromRequest, String ofGroup) {
        return fromRequest != null && ofGroup != null && !fromRequest.equals(ofGroup);
    }

    /**
     * The leader's assignment, as the group's record: nobody gets theirs before it is committed and
     * replayed (see {@link #groupStored}).
     */
    private static CoordinatorRecord assignmentRecord(ClassicGroup group, SyncGroupRequestData request) {
        Map<String, byte[]> assignment = new HashMap<>();
        for (SyncGroupRequestData.SyncGroupRequestAssignment a : request.assignments()) {
            if (a.memberId() != null && group.hasMember(a.memberId())) {
                assignment.put(a.memberId(), a.assignment() == null ? GroupMember.EMPTY_BYTES : a.assignment());
            }
        }
        log.debug("Assignment received from leader {} of group {} generation {} ({} members)",
                group.leaderId(), group.groupId(), group.generationId(), group.size());
        return GroupRecords.groupMetadata(group.groupId(), group.toRecord(assignment));
    }

    private void resetAndPropagateAssignment(ClassicGroup group, Errors error) {
        for (GroupMember m : group.members()) {
            m.setAssignment(GroupMember.EMPTY_BYTES);
        }
        propagateAssignment(group, error);
    }

    private void propagateAssignment(ClassicGroup group, Errors error) {
        List<Runnable> replies = new ArrayList<>();
        for (GroupMember m : group.members()) {
            if (m.isAwaitingSync()) {
                // Waiting on the assignment suspended its session; restart it now.
                scheduleHeartbeat(group, m, m.sessionTimeoutMs());
                SyncGroupResponseData response = new SyncGroupResponseData()
                        .setProtocolType(error == Errors.NONE ? group.protocolType() : null)
                        .setProtocolName(error == Errors.NONE ? group.protocolName() : null)
                        .setAssignment(m.assignment())
                        .setErrorCode(error.code());
                replies.add(() -> m.completeSync(response));
            }
        }
        replies.forEach(Runnable::run);
    }

    private void removePendingSync(ClassicGroup group, String memberId) {
        group.removePendingSync(memberId);
        boolean syncing = group.is(GroupState.COMPLETING_REBALANCE) || group.is(GroupState.STABLE);
        if (!syncing || group.pendingSyncMembers().isEmpty()) {
            group.syncTimer.cancel();
        }
    }

    // ---- Heartbeat ----

    HeartbeatResponseData heartbeat(HeartbeatRequestData request) {
        Errors unavailable = ctx.availability();
        if (unavailable == Errors.COORDINATOR_LOAD_IN_PROGRESS) {
            // As Kafka: while loading, heartbeats are simply accepted.
            return new HeartbeatResponseData();
        }
        if (unavailable != Errors.NONE) {
            return heartbeatError(unavailable);
        }
        if (!ShardContext.isValidGroupId(request.groupId())) {
            return heartbeatError(Errors.INVALID_GROUP_ID);
        }
        ClassicGroup group = ctx.groups.get(request.groupId());
        if (group == null) {
            return heartbeatError(Errors.UNKNOWN_MEMBER_ID);
        }
        if (group.is(GroupState.DEAD)) {
            return heartbeatError(Errors.COORDINATOR_NOT_AVAILABLE);
        }
        String memberId = request.memberId() == null ? "" : request.memberId();
        Errors invalid = group.validateMember(memberId, request.groupInstanceId());
        if (invalid != Errors.NONE) {
            return heartbeatError(invalid);
        }
        if (request.generationId() != group.generationId()) {
            return heartbeatError(Errors.ILLEGAL_GENERATION);
        }
        GroupMember member = group.member(memberId);
        return switch (group.state()) {
            case EMPTY -> heartbeatError(Errors.UNKNOWN_MEMBER_ID);
            case PREPARING_REBALANCE -> {
                scheduleHeartbeat(group, member, member.sessionTimeoutMs());
                yield heartbeatError(Errors.REBALANCE_IN_PROGRESS);
            }
            default -> {
                scheduleHeartbeat(group, member, member.sessionTimeoutMs());
                yield new HeartbeatResponseData();
            }
        };
    }

    /** Restarts a member's session, e.g. on a heartbeat or an offset commit. */
    void scheduleHeartbeat(ClassicGroup group, GroupMember member, long timeoutMs) {
        String memberId = member.memberId();
        member.heartbeat.schedule(timeoutMs, records -> expireHeartbeat(group, memberId, records));
    }

    private void expireHeartbeat(ClassicGroup group, String memberId, List<CoordinatorRecord> records) {
        if (!ctx.isCurrent(group) || group.is(GroupState.DEAD)) {
            return;
        }
        if (group.isPendingMember(memberId)) {
            log.debug("Pending member {} of group {} did not join in time", memberId, group.groupId());
            group.remove(memberId);
            if (group.is(GroupState.PREPARING_REBALANCE) && group.hasAllMembersJoined()) {
                completeJoin(group, records);
            }
            ctx.dropIfUnused(group);
            return;
        }
        GroupMember member = group.member(memberId);
        if (member == null || member.keepAliveWithoutHeartbeat()) {
            return;
        }
        log.info("Member {} of group {} has failed (session expired), removing it", memberId, group.groupId());
        removeMemberAndUpdateGroup(group, member, records);
    }

    private void removeMemberAndUpdateGroup(ClassicGroup group, GroupMember member, List<CoordinatorRecord> records) {
        group.remove(member.memberId());
        answerRemoved(member);
        if (group.is(GroupState.STABLE) || group.is(GroupState.COMPLETING_REBALANCE)) {
            maybePrepareRebalanceOrCompleteJoin(group, records);
        } else if (group.is(GroupState.PREPARING_REBALANCE) && group.hasAllMembersJoined()) {
            completeJoin(group, records);
        }
    }

    /** A removed member's waiting requests learn it is gone, so a live client rejoins. */
    private static void answerRemoved(GroupMember member) {
        member.completeJoin(joinError("", Errors.UNKNOWN_MEMBER_ID));
        member.completeSync(syncError(Errors.UNKNOWN_MEMBER_ID));
    }

    // ---- LeaveGroup ----

    CoordinatorResult<LeaveGroupResponseData> leaveGroup(LeaveGroupRequestData request, short version) {
        List<MemberIdentity> leaving = version < 3
                ? List.of(new MemberIdentity().setMemberId(request.memberId()))
                : request.members();
        List<CoordinatorRecord> records = new ArrayList<>();
        LeaveGroupResponseData batched = doLeave(request.groupId(), leaving, records);
        LeaveGroupResponseData response = version < 3 ? singleMember(batched) : batched;
        // The members have left whether or not the group's record that follows can be written.
        return new CoordinatorResult<>(records, response, error -> response);
    }

    /** Before batching (v3), the one member's error is the request's error. */
    private static LeaveGroupResponseData singleMember(LeaveGroupResponseData batched) {
        Errors error = Errors.forCode(batched.errorCode());
        for (MemberResponse m : batched.members()) {
            if (error == Errors.NONE) {
                error = Errors.forCode(m.errorCode());
            }
        }
        return new LeaveGroupResponseData().setErrorCode(error.code());
    }

    private LeaveGroupResponseData doLeave(String groupId, List<MemberIdentity> leaving, List<CoordinatorRecord> records) {
        Errors unavailable = ctx.availability();
        if (unavailable != Errors.NONE) {
            return new LeaveGroupResponseData().setErrorCode(unavailable.code());
        }
        if (!ShardContext.isValidGroupId(groupId)) {
            return new LeaveGroupResponseData().setErrorCode(Errors.INVALID_GROUP_ID.code());
        }
        ClassicGroup group = ctx.groups.get(groupId);
        if (group == null) {
            List<MemberResponse> unknown = new ArrayList<>();
            for (MemberIdentity m : leaving) {
                unknown.add(memberResponse(m, Errors.UNKNOWN_MEMBER_ID));
            }
            return new LeaveGroupResponseData().setMembers(unknown);
        }
        if (group.is(GroupState.DEAD)) {
            return new LeaveGroupResponseData().setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code());
        }
        List<MemberResponse> responses = new ArrayList<>();
        boolean anyLeft = false;
        for (MemberIdentity m : leaving) {
            Errors error = leaveOne(group, m);
            anyLeft |= error == Errors.NONE;
            responses.add(memberResponse(m, error));
        }
        if (anyLeft) {
            if (group.is(GroupState.STABLE) || group.is(GroupState.COMPLETING_REBALANCE)) {
                maybePrepareRebalanceOrCompleteJoin(group, records);
            } else if (group.is(GroupState.PREPARING_REBALANCE)) {
                maybeCompleteJoinPhase(group, records);
            }
            ctx.dropIfUnused(group);
        }
        return new LeaveGroupResponseData().setMembers(responses);
    }

    private Errors leaveOne(ClassicGroup group, MemberIdentity identity) {
        String memberId = identity.memberId() == null ? "" : identity.memberId();
        String instanceId = identity.groupInstanceId();
        if (memberId.isEmpty()) {
            // Admin tools remove static members by instance id alone.
            String current = group.staticMemberId(instanceId);
            if (current == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            removeLeavingMember(group, current);
            return Errors.NONE;
        }
        if (group.isPendingMember(memberId)) {
            group.remove(memberId);
            return Errors.NONE;
        }
        Errors invalid = group.validateMember(memberId, instanceId);
        if (invalid == Errors.NONE) {
            removeLeavingMember(group, memberId);
        }
        return invalid;
    }

    private void removeLeavingMember(ClassicGroup group, String memberId) {
        GroupMember removed = group.remove(memberId);
        if (removed != null) {
            log.debug("Member {} left group {}", memberId, group.groupId());
            answerRemoved(removed);
        }
    }

    private static MemberResponse memberResponse(MemberIdentity m, Errors error) {
        return new MemberResponse()
                .setMemberId(m.memberId())
                .setGroupInstanceId(m.groupInstanceId())
                .setErrorCode(error.code());
    }

    // ---- loading and unloading ----

    /** Starts the sessions of a group rebuilt from the log; shrinks it if group.max.size went down. */
    void onGroupLoaded(ClassicGroup group) {
        for (GroupMember m : group.members()) {
            scheduleHeartbeat(group, m, m.sessionTimeoutMs());
        }
        if (group.size() > ctx.config.maxSize() && group.canRebalance()) {
            // From a timer, whose records the runtime writes: loading itself writes nothing.
            group.joinTimer.schedule(0, records -> prepareRebalance(group,
                    "loaded group has " + group.size() + " members, over group.max.size", records));
        }
    }

    /** Fails everything that waits on the group: this broker no longer coordinates it. */
    static void abandon(ClassicGroup group) {
        group.cancelTimers();
        group.clearPendingMembers();
        for (GroupMember m : group.members()) {
            m.completeJoin(joinError(m.memberId(), Errors.NOT_COORDINATOR));
            m.completeSync(syncError(Errors.NOT_COORDINATOR));
        }
        if (!group.is(GroupState.DEAD)) {
            group.transitionTo(GroupState.DEAD);
        }
    }

    // ---- responses ----

    private static JoinGroupResponseData currentGeneration(ClassicGroup group, String memberId, boolean withMembers) {
        return new JoinGroupResponseData()
                .setMembers(withMembers ? group.joinResponseMembers() : new ArrayList<>())
                .setMemberId(memberId)
                .setGenerationId(group.generationId())
                .setProtocolType(group.protocolType())
                .setProtocolName(group.protocolName())
                .setLeader(group.leaderId() == null ? "" : group.leaderId())
                .setSkipAssignment(false);
    }

    static JoinGroupResponseData joinError(String memberId, Errors error) {
        return new JoinGroupResponseData()
                .setMemberId(memberId)
                .setGenerationId(-1)
                .setProtocolType(null)
                .setProtocolName(null)
                .setLeader("")
                .setErrorCode(error.code());
    }

    static SyncGroupResponseData syncError(Errors error) {
        return new SyncGroupResponseData()
                .setProtocolType(null)
                .setProtocolName(null)
                .setAssignment(GroupMember.EMPTY_BYTES)
                .setErrorCode(error.code());
    }

    private static HeartbeatResponseData heartbeatError(Errors error) {
        return new HeartbeatResponseData().setErrorCode(error.code());
    }

    /** Fields whose encoding depends on the version: protocol name is non-null before v7, skip before v9. */
    private static JoinGroupResponseData forVersion(JoinGroupResponseData r, short version) {
        if (r.leader() == null) {
            r.setLeader("");
        }
        if (version < 7) {
            if (r.protocolName() == null) {
                r.setProtocolName("");
            }
        } else if (r.protocolName() != null && r.protocolName().isEmpty()) {
            r.setProtocolName(null);
        }
        if (version < 9) {
            r.setSkipAssignment(false);
        }
        return r;
    }
}
