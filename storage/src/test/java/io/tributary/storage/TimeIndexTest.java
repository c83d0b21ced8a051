package io.tributary.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimeIndexTest {
    @TempDir
    Path dir;

    @Test
    void appendsOnlyIncreasingTimestampsAndLooksUpTheFloorEntry() throws Exception {
        TimeIndex index = new TimeIndex(dir.resolve("a.timeindex"), 100, 1200, true);
        index.maybeAppend(1000, 105);
        index.maybeAppend(1000, 110);
        index.maybeAppend(900, 115);
        index.maybeAppend(2000, 120);

        assertThat(index.entries()).isEqualTo(2);
        assertThat(index.lookup(999)).isEqualTo(new TimestampOffset(-1, 100));
        assertThat(index.lookup(1500)).isEqualTo(new TimestampOffset(1000, 105));
        assertThat(index.lookup(2000)).isEqualTo(new TimestampOffset(2000, 120));
        assertThat(index.lastEntry()).isEqualTo(new TimestampOffset(2000, 120));
    }

    @Test
    void survivesFlushAndReopenAndTruncatesByOffset() throws Exception {
        Path file = dir.resolve("b.timeindex");
        TimeIndex index = new TimeIndex(file, 0, 1200, true);
        index.maybeAppend(10, 1);
        index.maybeAppend(20, 5);
        index.maybeAppend(30, 9);
        index.flush();
        assertThat(Files.size(file)).isEqualTo(36);

        TimeIndex reopened = new TimeIndex(file, 0, 1200, false);
        assertThat(reopened.lookup(25)).isEqualTo(new TimestampOffset(20, 5));
        reopened.truncateTo(5);
        assertThat(reopened.lastEntry()).isEqualTo(new TimestampOffset(10, 1));
        assertThat(reopened.isConsistentWith(2)).isTrue();
        assertThat(reopened.isConsistentWith(1)).isFalse();
    }
}
