package io.tributary.coordinator.group;

import io.tributary.coordinator.group.GroupRecords.GroupKey;
import io.tributary.coordinator.group.GroupRecords.GroupValue;
import io.tributary.coordinator.group.GroupRecords.MemberValue;
import io.tributary.coordinator.group.GroupRecords.OffsetKey;
import io.tributary.coordinator.group.GroupRecords.OffsetValue;
import io.tributary.coordinator.runtime.CoordinatorRecord;
import io.tributary.replication.codec.MalformedEncodingException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GroupRecordsTest {

    @Test
    void offsetCommitRoundTrips() {
        OffsetKey key = new OffsetKey("g", "topic-ü", 7);
        OffsetValue value = new OffsetValue(42L, 3, "meta", 1000L, -1L);
        CoordinatorRecord record = GroupRecords.offsetCommit(key, value);

        assertThat(GroupRecords.decodeKey(record.key())).isEqualTo(key);
        assertThat(GroupRecords.decodeOffsetValue(record.value())).isEqualTo(value);
        // Decoding leaves the record's buffers untouched.
        assertThat(GroupRecords.decodeKey(record.key())).isEqualTo(key);
    }

    @Test
    void nullMetadataIsStoredAsEmpty() {
        OffsetValue value = new OffsetValue(1L, -1, null, 5L, -1L);
        assertThat(GroupRecords.decodeOffsetValue(GroupRecords.encodeOffsetValue(value)).metadata()).isEmpty();
    }

    @Test
    void groupMetadataRoundTrips() {
        MemberValue m1 = new MemberValue("m1", null, "client", "/127.0.0.1", 30000, 10000,
                new byte[]{1, 2}, new byte[]{3});
        MemberValue m2 = new MemberValue("m2", "instance-2", "client", "/127.0.0.2", 30000, 10000,
                new byte[0], null);
        GroupValue value = new GroupValue("consumer", 5, "range", "m1", 123L, List.of(m1, m2));
        CoordinatorRecord record = GroupRecords.groupMetadata("g", value);

        assertThat(GroupRecords.decodeKey(record.key())).isEqualTo(new GroupKey("g"));
        GroupValue decoded = GroupRecords.decodeGroupValue(record.value());
        assertThat(decoded.protocolType()).isEqualTo("consumer");
        assertThat(decoded.generation()).isEqualTo(5);
        assertThat(decoded.protocolName()).isEqualTo("range");
        assertThat(decoded.leaderId()).isEqualTo("m1");
        assertThat(decoded.currentStateTimestamp()).isEqualTo(123L);
        assertThat(decoded.members()).hasSize(2);
        MemberValue d1 = decoded.members().get(0);
        assertThat(d1.memberId()).isEqualTo("m1");
        assertThat(d1.groupInstanceId()).isNull();
        assertThat(d1.subscription()).containsExactly(1, 2);
        assertThat(d1.assignment()).containsExactly(3);
        MemberValue d2 = decoded.members().get(1);
        assertThat(d2.groupInstanceId()).isEqualTo("instance-2");
        assertThat(d2.clientHost()).isEqualTo("/127.0.0.2");
        assertThat(d2.assignment()).isNull();
    }

    @Test
    void emptyGroupWithoutProtocolRoundTrips() {
        GroupValue value = new GroupValue("consumer", 2, null, null, 9L, List.of());
        GroupValue decoded = GroupRecords.decodeGroupValue(GroupRecords.encodeGroupValue(value));
        assertThat(decoded).isEqualTo(value);
    }

    @Test
    void tombstonesHaveNoValue() {
        assertThat(GroupRecords.groupTombstone("g").isTombstone()).isTrue();
        assertThat(GroupRecords.offsetTombstone(new OffsetKey("g", "t", 0)).isTombstone()).isTrue();
    }

    @Test
    void keysOfDifferentKindsNeverCollide() {
        ByteBuffer offsetKey = GroupRecords.encodeKey(new OffsetKey("g", "t", 0));
        ByteBuffer groupKey = GroupRecords.encodeKey(new GroupKey("g"));
        assertThat(offsetKey).isNotEqualTo(groupKey);
        assertThat(GroupRecords.encodeKey(new GroupKey("g"))).isEqualTo(groupKey);
    }

    @Test
    void rejectsUnknownVersionsAndTypes() {
        assertThatThrownBy(() -> GroupRecords.decodeKey(ByteBuffer.wrap(new byte[]{0, 2, 0})))
                .isInstanceOf(MalformedEncodingException.class).hasMessageContaining("version 2 is unknown");
        assertThatThrownBy(() -> GroupRecords.decodeKey(ByteBuffer.wrap(new byte[]{0, 1, 9})))
                .isInstanceOf(MalformedEncodingException.class).hasMessageContaining("key type 9");
        ByteBuffer value = GroupRecords.encodeOffsetValue(new OffsetValue(1, 1, "", 1, -1));
        value.putShort(0, (short) 5);
        assertThatThrownBy(() -> GroupRecords.decodeOffsetValue(value)).isInstanceOf(MalformedEncodingException.class);
    }

    @Test
    void rejectsTruncatedAndTrailingBytes() {
        ByteBuffer full = GroupRecords.encodeOffsetValue(new OffsetValue(1, 1, "abc", 1, -1));
        byte[] bytes = new byte[full.remaining()];
        full.duplicate().get(bytes);
        for (int len = 0; len < bytes.length; len++) {
            ByteBuffer cut = ByteBuffer.wrap(Arrays.copyOf(bytes, len));
            assertThatThrownBy(() -> GroupRecords.decodeOffsetValue(cut)).isInstanceOf(MalformedEncodingException.class);
        }
        ByteBuffer longer = ByteBuffer.wrap(Arrays.copyOf(bytes, bytes.length + 1));
        assertThatThrownBy(() -> GroupRecords.decodeOffsetValue(longer)).isInstanceOf(MalformedEncodingException.class);
    }

    @Test
    void hugeLengthsFailBeforeAllocating() {
        // version and type, then a string length of two billion with only a few bytes behind it.
        ByteBuffer badString = ByteBuffer.allocate(12).putShort((short) 1).put((byte) 1).putInt(2_000_000_000);
        badString.flip();
        assertThatThrownBy(() -> GroupRecords.decodeKey(badString)).isInstanceOf(MalformedEncodingException.class);

        // A group value claiming two billion members.
        ByteBuffer badCount = ByteBuffer.allocate(64);
        badCount.putShort((short) 1).putInt(-1).putInt(1).putInt(-1).putInt(-1)
                .putLong(0L).putInt(2_000_000_000);
        badCount.flip();
        assertThatThrownBy(() -> GroupRecords.decodeGroupValue(badCount))
                .isInstanceOf(MalformedEncodingException.class).hasMessageContaining("member count");

        // A member whose subscription claims Integer.MAX_VALUE bytes.
        GroupValue one = new GroupValue("consumer", 1, "range", "m", 0L,
                List.of(new MemberValue("m", null, "c", "h", 1, 1, new byte[]{1}, new byte[]{2})));
        ByteBuffer encoded = GroupRecords.encodeGroupValue(one);
        int subscriptionLengthAt = encoded.limit() - (4 + 1) - (4 + 1);
        encoded.putInt(subscriptionLengthAt, Integer.MAX_VALUE);
        assertThatThrownBy(() -> GroupRecords.decodeGroupValue(encoded)).isInstanceOf(MalformedEncodingException.class);

        ByteBuffer negative = GroupRecords.encodeGroupValue(one);
        negative.putInt(subscriptionLengthAt, -7);
        assertThatThrownBy(() -> GroupRecords.decodeGroupValue(negative)).isInstanceOf(MalformedEncodingException.class);
    }

    @Test
    void nullKeyIsMalformed() {
        assertThatThrownBy(() -> GroupRecords.decodeKey(null)).isInstanceOf(MalformedEncodingException.class);
    }
}
