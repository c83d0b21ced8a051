package io.tributary.coordinator.group;

import java.util.EnumSet;
import java.util.Set;

/** The states of a classic group, named as Kafka reports them in DescribeGroups and ListGroups. */
public enum GroupState {
    /** No members; the group may still hold committed offsets. */
    EMPTY("Empty"),
    /** Waiting for the members to (re)join. */
    PREPARING_REBALANCE("PreparingRebalance"),
    /** The join phase is over; waiting for the leader's assignment. */
    COMPLETING_REBALANCE("CompletingRebalance"),
    /** The assignment is persisted and handed out. */
    STABLE("Stable"),
    /** Being deleted or unloaded; requests are refused until it is gone. */
    DEAD("Dead");

    private final String kafkaName;

    GroupState(String kafkaName) {
        this.kafkaName = kafkaName;
    }

    /** The name Kafka uses on the wire, e.g. "PreparingRebalance". */
    public String kafkaName() {
        return kafkaName;
    }

    @Override
    public String toString() {
        return kafkaName;
    }

    Set<GroupState> validPreviousStates() {
        return switch (this) {
            case EMPTY -> EnumSet.of(PREPARING_REBALANCE);
            case PREPARING_REBALANCE -> EnumSet.of(STABLE, COMPLETING_REBALANCE, EMPTY);
            case COMPLETING_REBALANCE -> EnumSet.of(PREPARING_REBALANCE);
            case STABLE -> EnumSet.of(COMPLETING_REBALANCE);
            case DEAD -> EnumSet.allOf(GroupState.class);
        };
    }
}
