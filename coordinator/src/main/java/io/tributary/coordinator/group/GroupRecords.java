package io.tributary.coordinator.group;

import io.tributary.coordinator.runtime.CoordinatorRecord;
import io.tributary.replication.codec.ByteReader;
import io.tributary.replication.codec.ByteWriter;
import io.tributary.replication.codec.MalformedEncodingException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The records the group coordinator writes to {@code __consumer_offsets}, in Tributary's binary format
 * (see {@link ByteWriter}: big-endian; {@code string} and {@code bytes} are an int32 length and the
 * bytes, length -1 meaning null).
 *
 * <pre>
 * key   := version:int16 (=1) type:int8 body
 *   type 0, offset commit:  group:string topic:string partition:int32
 *   type 1, group metadata: group:string
 *
 * offset commit value := version:int16 (=1) offset:int64 leaderEpoch:int32 metadata:string
 *                        commitTimestamp:int64 expireTimestamp:int64
 *   (leaderEpoch -1 = unknown; expireTimestamp -1 = none, set only by OffsetCommit v2-v4 retention)
 *
 * group metadata value := version:int16 (=1) protocolType:string generation:int32 protocolName:string
 *                         leaderId:string currentStateTimestamp:int64 memberCount:int32 member*
 *   member := memberId:string groupInstanceId:string clientId:string clientHost:string
 *             rebalanceTimeoutMs:int32 sessionTimeoutMs:int32 subscription:bytes assignment:bytes
 * </pre>
 *
 * A null value (tombstone) deletes the key: one committed offset, or the whole group's metadata. Decoding
 * checks every length against the bytes that remain before allocating, and rejects unknown versions and
 * trailing bytes ({@link MalformedEncodingException}), so a damaged record fails loudly instead of
 * becoming state.
 */
public final class GroupRecords {
    static final int KEY_VERSION = 1;
    static final int VALUE_VERSION = 1;
    static final byte OFFSET_COMMIT = 0;
    static final byte GROUP_METADATA = 1;

    /** The smallest encoded member: four null strings, two ints, two null byte arrays. */
    private static final int MIN_MEMBER_BYTES = 4 * 4 + 2 * 4 + 2 * 4;

    private GroupRecords() {
    }

    /** A decoded record key. */
    public sealed interface Key permits OffsetKey, GroupKey {
        String group();
    }

    public record OffsetKey(String group, String topic, int partition) implements Key {
        public OffsetKey {
            Objects.requireNonNull(group);
            Objects.requireNonNull(topic);
        }
    }

    public record GroupKey(String group) implements Key {
        public GroupKey {
            Objects.requireNonNull(group);
        }
    }

    /** A committed offset. {@code expireTimestamp} is -1 unless the commit asked for its own retention. */
    public record OffsetValue(long offset, int leaderEpoch, String metadata, long commitTimestamp,
                              long expireTimestamp) {
        public OffsetValue {
            metadata = metadata == null ? "" : metadata;
        }
    }

    /** One member as persisted after a rebalance: its subscription for the chosen protocol and assignment. */
    public record MemberValue(String memberId, String groupInstanceId, String clientId, String clientHost,
                              int rebalanceTimeoutMs, int sessionTimeoutMs, byte[] subscription,
                              byte[] assignment) {
    }

    /** A group's persisted state: the last completed generation, or an empty group. */
    public record GroupValue(String protocolType, int generation, String protocolName, String leaderId,
                             long currentStateTimestamp, List<MemberValue> members) {
        public GroupValue {
            members = List.copyOf(members);
        }
    }

    // ---- encoding ----

    public static CoordinatorRecord offsetCommit(OffsetKey key, OffsetValue value) {
        return new CoordinatorRecord(encodeKey(key), encodeOffsetValue(value));
    }

    public static CoordinatorRecord offsetTombstone(OffsetKey key) {
        return CoordinatorRecord.tombstone(encodeKey(key));
    }

    public static CoordinatorRecord groupMetadata(String group, GroupValue value) {
        return new CoordinatorRecord(encodeKey(new GroupKey(group)), encodeGroupValue(value));
    }

    public static CoordinatorRecord groupTombstone(String group) {
        return CoordinatorRecord.tombstone(encodeKey(new GroupKey(group)));
    }

    static ByteBuffer encodeKey(Key key) {
        ByteWriter w = new ByteWriter(64).putVersion(KEY_VERSION);
        if (key instanceof OffsetKey k) {
            w.putByte(OFFSET_COMMIT).putString(k.group()).putString(k.topic()).putInt(k.partition());
        } else {
            w.putByte(GROUP_METADATA).putString(key.group());
        }
        return w.toBuffer();
    }

    static ByteBuffer encodeOffsetValue(OffsetValue v) {
        return new ByteWriter(64).putVersion(VALUE_VERSION).putLong(v.offset()).putInt(v.leaderEpoch())
                .putString(v.metadata()).putLong(v.commitTimestamp()).putLong(v.expireTimestamp()).toBuffer();
    }

    static ByteBuffer encodeGroupValue(GroupValue v) {
        ByteWriter w = new ByteWriter(256).putVersion(VALUE_VERSION).putString(v.protocolType()).putInt(v.generation())
                .putString(v.protocolName()).putString(v.leaderId()).putLong(v.currentStateTimestamp())
                .putInt(v.members().size());
        for (MemberValue m : v.members()) {
            w.putString(m.memberId()).putString(m.groupInstanceId()).putString(m.clientId()).putString(m.clientHost())
                    .putInt(m.rebalanceTimeoutMs()).putInt(m.sessionTimeoutMs())
                    .putByteArray(m.subscription()).putByteArray(m.assignment());
        }
        return w.toBuffer();
    }

    // ---- decoding ----

    public static Key decodeKey(ByteBuffer buffer) {
        ByteReader r = new ByteReader(buffer);
        r.version(KEY_VERSION, "group coordinator key");
        byte type = r.getByte();
        Key key = switch (type) {
            case OFFSET_COMMIT -> new OffsetKey(nonNull(r.getString(), "group"), nonNull(r.getString(), "topic"), r.getInt());
            case GROUP_METADATA -> new GroupKey(nonNull(r.getString(), "group"));
            default -> throw new MalformedEncodingException("unknown group coordinator key type " + type);
        };
        r.expectEnd();
        return key;
    }

    public static OffsetValue decodeOffsetValue(ByteBuffer buffer) {
        ByteReader r = new ByteReader(buffer);
        r.version(VALUE_VERSION, "offset commit value");
        OffsetValue v = new OffsetValue(r.getLong(), r.getInt(), r.getString(), r.getLong(), r.getLong());
        r.expectEnd();
        return v;
    }

    public static GroupValue decodeGroupValue(ByteBuffer buffer) {
        ByteReader r = new ByteReader(buffer);
        r.version(VALUE_VERSION, "group metadata value");
        String protocolType = r.getString();
        int generation = r.getInt();
        String protocolName = r.getString();
        String leaderId = r.getString();
        long stateTimestamp = r.getLong();
        int count = r.getInt();
        if (count < 0 || count > r.remaining() / MIN_MEMBER_BYTES) {
            throw new MalformedEncodingException("member count " + count + " does not fit in " + r.remaining() + " bytes");
        }
        List<MemberValue> members = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            members.add(new MemberValue(nonNull(r.getString(), "memberId"), r.getString(), r.getString(), r.getString(),
                    r.getInt(), r.getInt(), r.getByteArray(), r.getByteArray()));
        }
        r.expectEnd();
        return new GroupValue(protocolType, generation, protocolName, leaderId, stateTimestamp, members);
    }

    private static String nonNull(String value, String field) {
        if (value == null) {
            throw new MalformedEncodingException(field + " must not be null");
        }
        return value;
    }
}
