package io.tributary.coordinator.group;

import io.tributary.coordinator.group.GroupRecords.GroupValue;
import io.tributary.coordinator.group.GroupRecords.MemberValue;
import io.tributary.coordinator.runtime.ShardTimer;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The in-memory state of one classic group: members, generation and the rebalance in progress. It knows
 * the rules of membership; the {@link MembershipHandler} drives it through requests and timeouts.
 */
final class ClassicGroup {
    private final String groupId;
    private final LongSupplier clock;
    private final ShardTimer timer;

    private GroupState state;
    private GroupState previousState = GroupState.DEAD;
    /** When the group entered its state; -1 if unknown. Offsets of an empty group expire from here. */
    private long stateTimestamp;
    private String protocolType;
    private String protocolName;
    private int generationId;
    private String leaderId;

    private final Map<String, GroupMember> members = new LinkedHashMap<>();
    private final Map<String, String> staticMembers = new HashMap<>();
    /** Members told MEMBER_ID_REQUIRED that have not joined yet, each with its expiry. */
    private final Map<String, TimerSlot> pendingJoinMembers = new LinkedHashMap<>();
    /** Members of the current generation that have not sent SyncGroup yet. */
    private final Set<String> pendingSyncMembers = new HashSet<>();
    /** How many members list each protocol name. */
    private final Map<String, Integer> protocolSupport = new HashMap<>();
    private int numAwaitingJoin;
    /** Set when a member joins during the initial rebalance, which then waits a little longer. */
    private boolean newMemberAdded;
    /** Topics the consumer-protocol members subscribe to; null when unknown. */
    private Set<String> subscribedTopics;

    final TimerSlot joinTimer;
    final TimerSlot syncTimer;
    /** Static members' rejoins of this Stable group, by new member id, until the group's record is replayed. */
    final Map<String, MembershipHandler.StaticRejoin> staticRejoins = new HashMap<>();

    private ClassicGroup(String groupId, GroupState state, LongSupplier clock, ShardTimer timer) {
        this.groupId = groupId;
        this.state = state;
        this.clock = clock;
        this.timer = timer;
        this.stateTimestamp = clock.getAsLong();
        this.joinTimer = new TimerSlot(timer);
        this.syncTimer = new TimerSlot(timer);
    }

    static ClassicGroup empty(String groupId, LongSupplier clock, ShardTimer timer) {
        return new ClassicGroup(groupId, GroupState.EMPTY, clock, timer);
    }

    /** Rebuilds a group from its persisted record: Stable with its members, or Empty. */
    static ClassicGroup fromRecord(String groupId, GroupValue value, LongSupplier clock, ShardTimer timer) {
        GroupState state = value.members().isEmpty() ? GroupState.EMPTY : GroupState.STABLE;
        ClassicGroup g = new ClassicGroup(groupId, state, clock, timer);
        g.protocolType = value.protocolType() == null || value.protocolType().isEmpty() ? null : value.protocolType();
        g.generationId = value.generation();
        g.protocolName = value.protocolName();
        g.leaderId = value.leaderId();
        g.stateTimestamp = value.currentStateTimestamp();
        for (MemberValue m : value.members()) {
            String name = g.protocolName == null ? "" : g.protocolName;
            int rebalanceTimeout = m.rebalanceTimeoutMs() < 0 ? m.sessionTimeoutMs() : m.rebalanceTimeoutMs();
            GroupMember member = new GroupMember(m.memberId(), m.groupInstanceId(), m.clientId(), m.clientHost(),
                    rebalanceTimeout, m.sessionTimeoutMs(), g.protocolType,
                    List.of(new GroupMember.Protocol(name, m.subscription())), new TimerSlot(timer));
            member.setAssignment(m.assignment());
            g.putMember(member);
        }
        if (g.leaderId != null && !g.members.containsKey(g.leaderId)) {
            g.leaderId = g.members.isEmpty() ? null : g.members.keySet().iterator().next();
        }
        g.subscribedTopics = g.computeSubscribedTopics();
        return g;
    }

    // ---- basic properties ----

    String groupId() {
        return groupId;
    }

    GroupState state() {
        return state;
    }

    boolean is(GroupState s) {
        return state == s;
    }

    GroupState previousState() {
        return previousState;
    }

    long stateTimestamp() {
        return stateTimestamp;
    }

    String protocolType() {
        return protocolType;
    }

    String protocolName() {
        return protocolName;
    }

    int generationId() {
        return generationId;
    }

    String leaderId() {
        return leaderId;
    }

    boolean isLeader(String memberId) {
        return leaderId != null && leaderId.equals(memberId);
    }

    Collection<GroupMember> members() {
        return members.values();
    }

    GroupMember member(String memberId) {
        return members.get(memberId);
    }

    boolean hasMember(String memberId) {
        return members.containsKey(memberId);
    }

    int size() {
        return members.size();
    }

    String staticMemberId(String groupInstanceId) {
        return groupInstanceId == null ? null : staticMembers.get(groupInstanceId);
    }

    boolean newMemberAdded() {
        return newMemberAdded;
    }

    void setNewMemberAdded(boolean value) {
        newMemberAdded = value;
    }

    int numAwaitingJoin() {
        return numAwaitingJoin;
    }

    /** The largest rebalance timeout of the members: how long a rebalance may wait for them. */
    int rebalanceTimeoutMs() {
        int max = 0;
        for (GroupMember m : members.values()) {
            max = Math.max(max, m.rebalanceTimeoutMs());
        }
        return max;
    }

    // ---- state transitions ----

    void transitionTo(GroupState next) {
        if (!next.validPreviousStates().contains(state)) {
            throw new IllegalStateException("group " + groupId + " cannot go from " + state + " to " + next);
        }
        previousState = state;
        state = next;
        stateTimestamp = clock.getAsLong();
    }

    /** Undoes a deletion that could not be written: the group was Empty before. */
    void revive() {
        if (state == GroupState.DEAD) {
            state = GroupState.EMPTY;
            previousState = GroupState.DEAD;
        }
    }

    /** Whether a rebalance can start from the current state. */
    boolean canRebalance() {
        return GroupState.PREPARING_REBALANCE.validPreviousStates().contains(state);
    }

    /** Ends the join phase: a new generation with the chosen protocol, or an empty group. */
    void initNextGeneration() {
        generationId++;
        if (!members.isEmpty()) {
            protocolName = selectProtocol();
            subscribedTopics = computeSubscribedTopics();
            transitionTo(GroupState.COMPLETING_REBALANCE);
        } else {
            protocolName = null;
            subscribedTopics = computeSubscribedTopics();
            transitionTo(GroupState.EMPTY);
        }
        pendingSyncMembers.clear();
    }

    // ---- membership ----

    /** Adds a joining member; the first member of an empty group sets the protocol type. */
    void add(GroupMember member, CompletableFuture<JoinGroupResponseData> joinFuture) {
        if (member.groupInstanceId() != null && staticMembers.containsKey(member.groupInstanceId())) {
            throw new IllegalStateException("static member " + member.groupInstanceId() + " already in " + groupId);
        }
        if (members.isEmpty()) {
            protocolType = member.protocolType();
        }
        TimerSlot pending = pendingJoinMembers.remove(member.memberId());
        if (pending != null) {
            pending.cancel();
        }
        putMember(member);
        member.setJoinFuture(joinFuture);
        if (joinFuture != null) {
            numAwaitingJoin++;
        }
    }

    private void putMember(GroupMember member) {
        if (member.groupInstanceId() != null) {
            staticMembers.put(member.groupInstanceId(), member.memberId());
        }
        if (leaderId == null) {
            leaderId = member.memberId();
        }
        members.put(member.memberId(), member);
        countProtocols(member, 1);
    }

    /**
     * Removes a member or pending member and cancels its timers. Its waiting requests are left to the
     * caller, which knows what to answer; returns the removed member, or null.
     */
    GroupMember remove(String memberId) {
        GroupMember removed = members.remove(memberId);
        if (removed != null) {
            countProtocols(removed, -1);
            if (removed.isAwaitingJoin()) {
                numAwaitingJoin--;
            }
            if (removed.groupInstanceId() != null) {
                staticMembers.remove(removed.groupInstanceId(), memberId);
            }
            removed.heartbeat.cancel();
        }
        if (isLeader(memberId)) {
            leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
        }
        TimerSlot pending = pendingJoinMembers.remove(memberId);
        if (pending != null) {
            pending.cancel();
        }
        pendingSyncMembers.remove(memberId);
        return removed;
    }

    /** Replaces a member's protocols and timeouts; returns the JoinGroup it was already waiting on, if any. */
    CompletableFuture<JoinGroupResponseData> updateMember(GroupMember member, List<GroupMember.Protocol> protocols,
                                                          int rebalanceTimeoutMs, int sessionTimeoutMs,
                                                          CompletableFuture<JoinGroupResponseData> joinFuture) {
        countProtocols(member, -1);
        member.update(protocols, rebalanceTimeoutMs, sessionTimeoutMs);
        countProtocols(member, 1);
        boolean wasAwaiting = member.isAwaitingJoin();
        CompletableFuture<JoinGroupResponseData> previous = member.setJoinFuture(joinFuture);
        if (joinFuture != null && !wasAwaiting) {
            numAwaitingJoin++;
        } else if (joinFuture == null && wasAwaiting) {
            numAwaitingJoin--;
        }
        return previous;
    }

    /**
     * A static member restarted with a new member id: the old id is fenced (its waiting requests get
     * FENCED_INSTANCE_ID) and the new id takes over its place, assignment and leadership.
     */
    GroupMember replaceStaticMember(String groupInstanceId, String oldMemberId, String newMemberId) {
        GroupMember old = members.remove(oldMemberId);
        if (old == null) {
            throw new IllegalStateException("no member " + oldMemberId + " to replace in " + groupId);
        }
        if (old.isAwaitingJoin()) {
            numAwaitingJoin--;
        }
        old.heartbeat.cancel();
        old.completeJoin(new JoinGroupResponseData()
                .setMemberId(oldMemberId)
                .setLeader("")
                .setErrorCode(Errors.FENCED_INSTANCE_ID.code()));
        old.completeSync(new SyncGroupResponseData().setErrorCode(Errors.FENCED_INSTANCE_ID.code()));
        GroupMember replacement = old.withId(newMemberId, new TimerSlot(timer));
        members.put(newMemberId, replacement);
        if (isLeader(oldMemberId)) {
            leaderId = newMemberId;
        }
        if (pendingSyncMembers.remove(oldMemberId)) {
            pendingSyncMembers.add(newMemberId);
        }
        staticMembers.put(groupInstanceId, newMemberId);
        return replacement;
    }

    /** Answers a member's pending JoinGroup. */
    boolean completeJoin(GroupMember member, JoinGroupResponseData response) {
        if (member.completeJoin(response)) {
            numAwaitingJoin--;
            return true;
        }
        return false;
    }

    /** UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID when the caller is not the member it claims to be. */
    Errors validateMember(String memberId, String groupInstanceId) {
        if (groupInstanceId != null) {
            String current = staticMembers.get(groupInstanceId);
            if (current == null) {
                return Errors.UNKNOWN_MEMBER_ID;
            }
            if (!current.equals(memberId)) {
                return Errors.FENCED_INSTANCE_ID;
            }
        }
        return members.containsKey(memberId) ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
    }

    /**
     * Checks an OffsetCommit as Kafka's classic group does: anyone may commit to an empty group without
     * a generation (simple consumers, admin tools); members must name the current generation; nobody
     * commits between the join and the assignment.
     */
    Errors validateOffsetCommit(String memberId, String groupInstanceId, int generation) {
        if (state == GroupState.DEAD) {
            return Errors.COORDINATOR_NOT_AVAILABLE;
        }
        if (generation < 0 && state == GroupState.EMPTY) {
            return Errors.NONE;
        }
        if (generation >= 0 || !memberId.isEmpty() || groupInstanceId != null) {
            Errors e = validateMember(memberId, groupInstanceId);
            if (e != Errors.NONE) {
                return e;
            }
            if (generation != generationId) {
                return Errors.ILLEGAL_GENERATION;
            }
        } else if (state != GroupState.EMPTY) {
            return Errors.UNKNOWN_MEMBER_ID;
        }
        if (state == GroupState.COMPLETING_REBALANCE) {
            return Errors.REBALANCE_IN_PROGRESS;
        }
        return Errors.NONE;
    }

    // ---- pending members ----

    boolean isPendingMember(String memberId) {
        return pendingJoinMembers.containsKey(memberId);
    }

    void addPendingMember(String memberId, TimerSlot expiry) {
        pendingJoinMembers.put(memberId, expiry);
    }

    int pendingMemberCount() {
        return pendingJoinMembers.size();
    }

    void addPendingSync(String memberId) {
        pendingSyncMembers.add(memberId);
    }

    boolean removePendingSync(String memberId) {
        return pendingSyncMembers.remove(memberId);
    }

    Set<String> pendingSyncMembers() {
        return pendingSyncMembers;
    }

    void clearPendingSync() {
        pendingSyncMembers.clear();
    }

    // ---- rebalance rules ----

    /** Everyone known has rejoined, and nobody told MEMBER_ID_REQUIRED is still expected. */
    boolean hasAllMembersJoined() {
        return members.size() == numAwaitingJoin && pendingJoinMembers.isEmpty();
    }

    List<GroupMember> notYetRejoinedMembers() {
        List<GroupMember> out = new ArrayList<>();
        for (GroupMember m : members.values()) {
            if (!m.isAwaitingJoin()) {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * Keeps the leader if it rejoined, else picks a member that did. False if there is no leader or no
     * member rejoined.
     */
    boolean maybeElectNewJoinedLeader() {
        if (leaderId == null) {
            return false;
        }
        GroupMember leader = members.get(leaderId);
        if (leader != null && leader.isAwaitingJoin()) {
            return true;
        }
        for (GroupMember m : members.values()) {
            if (m.isAwaitingJoin()) {
                leaderId = m.memberId();
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a member with this protocol type and protocols may join: an empty group accepts any
     * non-empty choice; otherwise the type must match and one protocol must be supported by everyone.
     */
    boolean supportsProtocols(String memberProtocolType, Set<String> memberProtocols) {
        if (state == GroupState.EMPTY) {
            return !memberProtocolType.isEmpty() && !memberProtocols.isEmpty();
        }
        if (protocolType == null || !protocolType.equals(memberProtocolType)) {
            return false;
        }
        for (String name : memberProtocols) {
            if (protocolSupport.getOrDefault(name, 0) == members.size()) {
                return true;
            }
        }
        return false;
    }

    /** The protocol all members support that most members prefer; ties go to the first one voted. */
    String selectProtocol() {
        if (members.isEmpty()) {
            throw new IllegalStateException("cannot select a protocol for empty group " + groupId);
        }
        Set<String> candidates = new HashSet<>();
        protocolSupport.forEach((name, count) -> {
            if (count == members.size()) {
                candidates.add(name);
            }
        });
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (GroupMember m : members.values()) {
            votes.merge(m.vote(candidates), 1, Integer::sum);
        }
        String best = null;
        int bestVotes = -1;
        for (Map.Entry<String, Integer> e : votes.entrySet()) {
            if (e.getValue() > bestVotes) {
                best = e.getKey();
                bestVotes = e.getValue();
            }
        }
        return best;
    }

    private void countProtocols(GroupMember member, int delta) {
        for (String name : member.protocolNames()) {
            protocolSupport.merge(name, delta, Integer::sum);
            if (protocolSupport.get(name) <= 0) {
                protocolSupport.remove(name);
            }
        }
    }

    // ---- subscriptions ----

    boolean usesConsumerProtocol() {
        return ConsumerProtocol.PROTOCOL_TYPE.equals(protocolType);
    }

    Set<String> subscribedTopics() {
        return subscribedTopics;
    }

    /**
     * Whether the group consumes the topic. When the subscriptions are unknown (not parsed yet, or not
     * parseable), a consumer group is assumed to consume every topic: never delete offsets in use.
     */
    boolean isSubscribedToTopic(String topic) {
        return subscribedTopics != null ? subscribedTopics.contains(topic) : usesConsumerProtocol();
    }

    /** The union of the members' subscribed topics, parsed with the consumer protocol; null if unknown. */
    Set<String> computeSubscribedTopics() {
        if (!usesConsumerProtocol()) {
            return null;
        }
        if (members.isEmpty()) {
            return Set.of();
        }
        if (protocolName == null) {
            return null;
        }
        Set<String> topics = new HashSet<>();
        try {
            for (GroupMember m : members.values()) {
                ByteBuffer buf = ByteBuffer.wrap(m.metadata(protocolName));
                ConsumerProtocol.deserializeVersion(buf);
                // Version 0 is a prefix of every version, so this reads subscriptions of future clients too.
                topics.addAll(ConsumerProtocol.deserializeConsumerProtocolSubscription(buf, (short) 0).topics());
            }
        } catch (RuntimeException e) {
            return null;
        }
        return topics;
    }

    // ---- views ----

    /** Every member's metadata for the chosen protocol, as the leader needs it to assign. */
    List<JoinGroupResponseMember> joinResponseMembers() {
        List<JoinGroupResponseMember> out = new ArrayList<>(members.size());
        for (GroupMember m : members.values()) {
            out.add(new JoinGroupResponseMember()
                    .setMemberId(m.memberId())
                    .setGroupInstanceId(m.groupInstanceId())
                    .setMetadata(m.metadata(protocolName)));
        }
        return out;
    }

    /** The group as a GroupMetadata record value, with the given assignments (missing ones empty). */
    GroupValue toRecord(Map<String, byte[]> assignments) {
        List<MemberValue> values = new ArrayList<>(members.size());
        for (GroupMember m : members.values()) {
            byte[] assignment = assignments.getOrDefault(m.memberId(), GroupMember.EMPTY_BYTES);
            values.add(new MemberValue(m.memberId(), m.groupInstanceId(), m.clientId(), m.clientHost(),
                    m.rebalanceTimeoutMs(), m.sessionTimeoutMs(),
                    protocolName == null ? GroupMember.EMPTY_BYTES : m.metadata(protocolName),
                    assignment == null ? GroupMember.EMPTY_BYTES : assignment));
        }
        return new GroupValue(protocolType == null ? "" : protocolType, generationId, protocolName, leaderId,
                stateTimestamp, values);
    }

    /** The current assignments, as persisted. */
    Map<String, byte[]> assignments() {
        Map<String, byte[]> out = new HashMap<>();
        for (GroupMember m : members.values()) {
            out.put(m.memberId(), m.assignment());
        }
        return out;
    }

    /** Cancels every timer of the group and its members. */
    void cancelTimers() {
        joinTimer.cancel();
        syncTimer.cancel();
        for (GroupMember m : members.values()) {
            m.heartbeat.cancel();
        }
        for (TimerSlot slot : pendingJoinMembers.values()) {
            slot.cancel();
        }
    }

    /** Removes members told MEMBER_ID_REQUIRED; they will find the group gone. */
    void clearPendingMembers() {
        for (TimerSlot slot : pendingJoinMembers.values()) {
            slot.cancel();
        }
        pendingJoinMembers.clear();
    }
}
