package io.tributary.coordinator.group;

import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A member of a classic group: what it sent in its last JoinGroup, its assignment, and the requests it is
 * waiting on. Only the assignment and the subscription of the chosen protocol are ever persisted.
 */
final class GroupMember {
    static final byte[] EMPTY_BYTES = new byte[0];

    /** One entry of the member's protocol list, in its order of preference. */
    record Protocol(String name, byte[] metadata) {
        Protocol {
            metadata = metadata == null ? EMPTY_BYTES : metadata;
        }
    }

    private final String memberId;
    private final String groupInstanceId;
    private final String clientId;
    private final String clientHost;
    private final String protocolType;
    private int rebalanceTimeoutMs;
    private int sessionTimeoutMs;
    private List<Protocol> protocols;
    private byte[] assignment = EMPTY_BYTES;
    private CompletableFuture<JoinGroupResponseData> joinFuture;
    private CompletableFuture<SyncGroupResponseData> syncFuture;
    /** True from the first JoinGroup until that join completes: such a member can time out while waiting. */
    private boolean isNew;
    final TimerSlot heartbeat;

    GroupMember(String memberId, String groupInstanceId, String clientId, String clientHost,
                int rebalanceTimeoutMs, int sessionTimeoutMs, String protocolType, List<Protocol> protocols,
                TimerSlot heartbeat) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId == null ? "" : clientId;
        this.clientHost = clientHost == null ? "" : clientHost;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.protocolType = protocolType;
        this.protocols = List.copyOf(protocols);
        this.heartbeat = heartbeat;
    }

    /** The same member under a new id (a static member restarting), without pending requests. */
    GroupMember withId(String newMemberId, TimerSlot newHeartbeat) {
        GroupMember copy = new GroupMember(newMemberId, groupInstanceId, clientId, clientHost, rebalanceTimeoutMs,
                sessionTimeoutMs, protocolType, protocols, newHeartbeat);
        copy.assignment = assignment;
        return copy;
    }

    String memberId() {
        return memberId;
    }

    String groupInstanceId() {
        return groupInstanceId;
    }

    boolean isStatic() {
        return groupInstanceId != null;
    }

    String clientId() {
        return clientId;
    }

    String clientHost() {
        return clientHost;
    }

    String protocolType() {
        return protocolType;
    }

    int rebalanceTimeoutMs() {
        return rebalanceTimeoutMs;
    }

    int sessionTimeoutMs() {
        return sessionTimeoutMs;
    }

    List<Protocol> protocols() {
        return protocols;
    }

    byte[] assignment() {
        return assignment;
    }

    void setAssignment(byte[] assignment) {
        this.assignment = assignment == null ? EMPTY_BYTES : assignment;
    }

    boolean isNew() {
        return isNew;
    }

    void setNew(boolean isNew) {
        this.isNew = isNew;
    }

    void update(List<Protocol> protocols, int rebalanceTimeoutMs, int sessionTimeoutMs) {
        this.protocols = List.copyOf(protocols);
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.sessionTimeoutMs = sessionTimeoutMs;
    }

    /** Distinct protocol names, in preference order. */
    Set<String> protocolNames() {
        Set<String> names = new LinkedHashSet<>();
        for (Protocol p : protocols) {
            names.add(p.name());
        }
        return names;
    }

    /** Whether the member rejoined with exactly the same protocols and metadata. */
    boolean matches(List<Protocol> other) {
        if (other.size() != protocols.size()) {
            return false;
        }
        for (int i = 0; i < other.size(); i++) {
            Protocol a = protocols.get(i);
            Protocol b = other.get(i);
            if (!a.name().equals(b.name()) || !Arrays.equals(a.metadata(), b.metadata())) {
                return false;
            }
        }
        return true;
    }

    /** The member's most preferred protocol among the candidates. */
    String vote(Set<String> candidates) {
        for (Protocol p : protocols) {
            if (candidates.contains(p.name())) {
                return p.name();
            }
        }
        throw new IllegalStateException("member " + memberId + " supports none of " + candidates);
    }

    /** The metadata the member sent for a protocol, empty if it did not list it. */
    byte[] metadata(String protocolName) {
        for (Protocol p : protocols) {
            if (p.name().equals(protocolName)) {
                return p.metadata();
            }
        }
        return EMPTY_BYTES;
    }

    // ---- waiting requests ----

    boolean isAwaitingJoin() {
        return joinFuture != null;
    }

    boolean isAwaitingSync() {
        return syncFuture != null;
    }

    /** Sets the pending JoinGroup; returns the one it replaces, which the caller must answer. */
    CompletableFuture<JoinGroupResponseData> setJoinFuture(CompletableFuture<JoinGroupResponseData> future) {
        CompletableFuture<JoinGroupResponseData> previous = joinFuture;
        joinFuture = future;
        return previous;
    }

    /** Sets the pending SyncGroup; returns the one it replaces, which the caller must answer. */
    CompletableFuture<SyncGroupResponseData> setSyncFuture(CompletableFuture<SyncGroupResponseData> future) {
        CompletableFuture<SyncGroupResponseData> previous = syncFuture;
        syncFuture = future;
        return previous;
    }

    /** Answers the pending JoinGroup, if any. */
    boolean completeJoin(JoinGroupResponseData response) {
        CompletableFuture<JoinGroupResponseData> f = joinFuture;
        if (f == null) {
            return false;
        }
        joinFuture = null;
        f.complete(response);
        return true;
    }

    /** Answers the pending SyncGroup, if any. */
    boolean completeSync(SyncGroupResponseData response) {
        CompletableFuture<SyncGroupResponseData> f = syncFuture;
        if (f == null) {
            return false;
        }
        syncFuture = null;
        f.complete(response);
        return true;
    }

    /** A member that does not heartbeat while it waits on a rebalance is kept, unless it never joined. */
    boolean keepAliveWithoutHeartbeat() {
        return !isNew && (isAwaitingJoin() || isAwaitingSync());
    }

    DescribedGroupMember describe(String protocolName, boolean withMetadata) {
        return new DescribedGroupMember()
                .setMemberId(memberId)
                .setGroupInstanceId(groupInstanceId)
                .setClientId(clientId)
                .setClientHost(clientHost)
                .setMemberMetadata(withMetadata ? metadata(protocolName) : EMPTY_BYTES)
                .setMemberAssignment(withMetadata ? assignment : EMPTY_BYTES);
    }
}
