package io.tributary.coordinator.group;

import io.tributary.coordinator.runtime.CoordinatorRecord;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The records the group coordinator writes to {@code __consumer_offsets}, in our own binary format.
 *
 * <p>All integers are big-endian. {@code string} is an int16 byte length followed by UTF-8 bytes, length -1
 * meaning null; {@code bytes} is an int32 length followed by the bytes, -1 meaning null.
 *
 * <pre>
 * key   := version:int8 (=0) type:int8 body
 *   type 0, offset commit:  group:string topic:string partition:int32
 *   type 1, group metadata: group:string
 *
 * offset commit value := version:int8 (=0) offset:int64 leaderEpoch:int32 metadata:string
 *                        commitTimestamp:int64 expireTimestamp:int64
 *   (leaderEpoch -1 = unknown; expireTimestamp -1 = none, set only by OffsetCommit v2-v4 retention)
 *
 * group metadata value := version:int8 (=0) protocolType:string generation:int32 protocolName:string
 *                         leaderId:string currentStateTimestamp:int64 memberCount:int32 member*
 *   member := memberId:string groupInstanceId:string clientId:string clientHost:string
 *             rebalanceTimeoutMs:int32 sessionTimeoutMs:int32 subscription:bytes assignment:bytes
 * </pre>
 *
 * A null value (tombstone) deletes the key: one committed offset, or the whole group's metadata. Decoding
 * checks every length against the bytes that remain before allocating, and rejects unknown versions and
 * trailing bytes, so a damaged record fails loudly instead of becoming state.
 */
public final class GroupRecords {
    public static final byte KEY_VERSION = 0;
    public static final byte VALUE_VERSION = 0;
    static final byte OFFSET_COMMIT = 0;
    static final byte GROUP_METADATA = 1;

    /** The smallest encoded member: four null strings, two ints, two null byte arrays. */
    private static final int MIN_MEMBER_BYTES = 4 * 2 + 2 * 4 + 2 * 4;

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

    /** Raised when a record cannot be decoded. */
    public static final class MalformedRecordException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        MalformedRecordException(String message) {
            super(message);
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
        Writer w = new Writer();
        w.byte8(KEY_VERSION);
        if (key instanceof OffsetKey k) {
            w.byte8(OFFSET_COMMIT);
            w.string(k.group());
            w.string(k.topic());
            w.int32(k.partition());
        } else {
            w.byte8(GROUP_METADATA);
            w.string(key.group());
        }
        return w.toBuffer();
    }

    static ByteBuffer encodeOffsetValue(OffsetValue v) {
        Writer w = new Writer();
        w.byte8(VALUE_VERSION);
        w.int64(v.offset());
        w.int32(v.leaderEpoch());
        w.string(v.metadata());
        w.int64(v.commitTimestamp());
        w.int64(v.expireTimestamp());
        return w.toBuffer();
    }

    static ByteBuffer encodeGroupValue(GroupValue v) {
        Writer w = new Writer();
        w.byte8(VALUE_VERSION);
        w.string(v.protocolType());
        w.int32(v.generation());
        w.string(v.protocolName());
        w.string(v.leaderId());
        w.int64(v.currentStateTimestamp());
        w.int32(v.members().size());
        for (MemberValue m : v.members()) {
            w.string(m.memberId());
            w.string(m.groupInstanceId());
            w.string(m.clientId());
            w.string(m.clientHost());
            w.int32(m.rebalanceTimeoutMs());
            w.int32(m.sessionTimeoutMs());
            w.bytes(m.subscription());
            w.bytes(m.assignment());
        }
        return w.toBuffer();
    }

    // ---- decoding ----

    public static Key decodeKey(ByteBuffer buffer) {
        Reader r = new Reader(buffer);
        byte version = r.byte8();
        if (version != KEY_VERSION) {
            throw new MalformedRecordException("unknown key version " + version);
        }
        byte type = r.byte8();
        Key key = switch (type) {
            case OFFSET_COMMIT -> new OffsetKey(r.nonNullString("group"), r.nonNullString("topic"), r.int32());
            case GROUP_METADATA -> new GroupKey(r.nonNullString("group"));
            default -> throw new MalformedRecordException("unknown key type " + type);
        };
        r.expectEnd();
        return key;
    }

    public static OffsetValue decodeOffsetValue(ByteBuffer buffer) {
        Reader r = new Reader(buffer);
        checkValueVersion(r.byte8());
        OffsetValue v = new OffsetValue(r.int64(), r.int32(), r.string(), r.int64(), r.int64());
        r.expectEnd();
        return v;
    }

    public static GroupValue decodeGroupValue(ByteBuffer buffer) {
        Reader r = new Reader(buffer);
        checkValueVersion(r.byte8());
        String protocolType = r.string();
        int generation = r.int32();
        String protocolName = r.string();
        String leaderId = r.string();
        long stateTimestamp = r.int64();
        int count = r.int32();
        if (count < 0 || count > r.remaining() / MIN_MEMBER_BYTES) {
            throw new MalformedRecordException("member count " + count + " does not fit in "
                    + r.remaining() + " bytes");
        }
        List<MemberValue> members = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            members.add(new MemberValue(r.nonNullString("memberId"), r.string(), r.string(), r.string(),
                    r.int32(), r.int32(), r.bytes(), r.bytes()));
        }
        r.expectEnd();
        return new GroupValue(protocolType, generation, protocolName, leaderId, stateTimestamp, members);
    }

    private static void checkValueVersion(byte version) {
        if (version != VALUE_VERSION) {
            throw new MalformedRecordException("unknown value version " + version);
        }
    }

    private static final class Writer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        private final DataOutputStream out = new DataOutputStream(bytes);

        void byte8(byte v) {
            run(() -> out.writeByte(v));
        }

        void int32(int v) {
            run(() -> out.writeInt(v));
        }

        void int64(long v) {
            run(() -> out.writeLong(v));
        }

        void string(String s) {
            if (s == null) {
                run(() -> out.writeShort(-1));
                return;
            }
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            if (utf8.length > Short.MAX_VALUE) {
                throw new IllegalArgumentException("string of " + utf8.length + " bytes is too long");
            }
            run(() -> {
                out.writeShort(utf8.length);
                out.write(utf8);
            });
        }

        void bytes(byte[] b) {
            run(() -> {
                if (b == null) {
                    out.writeInt(-1);
                } else {
                    out.writeInt(b.length);
                    out.write(b);
                }
            });
        }

        ByteBuffer toBuffer() {
            return ByteBuffer.wrap(bytes.toByteArray());
        }

        private interface IoAction {
            void run() throws IOException;
        }

        private static void run(IoAction action) {
            try {
                action.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e); // cannot happen: writes go to memory
            }
        }
    }

    /** Reads from a duplicate of the buffer so the record itself is left untouched. */
    private static final class Reader {
        private final ByteBuffer buf;

        Reader(ByteBuffer buffer) {
            if (buffer == null) {
                throw new MalformedRecordException("missing bytes");
            }
            this.buf = buffer.duplicate();
        }

        int remaining() {
            return buf.remaining();
        }

        byte byte8() {
            need(1);
            return buf.get();
        }

        int int32() {
            need(4);
            return buf.getInt();
        }

        long int64() {
            need(8);
            return buf.getLong();
        }

        String string() {
            need(2);
            int len = buf.getShort();
            if (len == -1) {
                return null;
            }
            if (len < 0) {
                throw new MalformedRecordException("negative string length " + len);
            }
            need(len);
            byte[] utf8 = new byte[len];
            buf.get(utf8);
            return new String(utf8, StandardCharsets.UTF_8);
        }

        String nonNullString(String field) {
            String s = string();
            if (s == null) {
                throw new MalformedRecordException(field + " must not be null");
            }
            return s;
        }

        byte[] bytes() {
            int len = int32();
            if (len == -1) {
                return null;
            }
            if (len < 0) {
                throw new MalformedRecordException("negative bytes length " + len);
            }
            need(len);
            byte[] b = new byte[len];
            buf.get(b);
            return b;
        }

        void expectEnd() {
            if (buf.hasRemaining()) {
                throw new MalformedRecordException(buf.remaining() + " unexpected trailing bytes");
            }
        }

        private void need(int n) {
            if (buf.remaining() < n) {
                throw new MalformedRecordException("record ends early: need " + n + " bytes, "
                        + buf.remaining() + " left");
            }
        }
    }
}
