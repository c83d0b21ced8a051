package io.tributary.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OffsetIndexTest {
    @TempDir
    Path dir;

    @Test
    void looksUpTheLargestEntryAtOrBelowAnOffset() throws Exception {
        OffsetIndex index = new OffsetIndex(dir.resolve("a.index"), 100, 1024, true);
        index.append(110, 500);
        index.append(120, 1000);
        index.append(130, 1500);

        assertThat(index.lookup(99)).isEqualTo(new OffsetIndex.OffsetPosition(100, 0));
        assertThat(index.lookup(109)).isEqualTo(new OffsetIndex.OffsetPosition(100, 0));
        assertThat(index.lookup(110)).isEqualTo(new OffsetIndex.OffsetPosition(110, 500));
        assertThat(index.lookup(125)).isEqualTo(new OffsetIndex.OffsetPosition(120, 1000));
        assertThat(index.lookup(1_000_000)).isEqualTo(new OffsetIndex.OffsetPosition(130, 1500));
        assertThat(index.lastOffset()).isEqualTo(130);
    }

    @Test
    void writesExactlyItsEntriesOnFlushAndReadsThemBack() throws Exception {
        Path file = dir.resolve("b.index");
        OffsetIndex index = new OffsetIndex(file, 0, 1024, true);
        for (int i = 1; i <= 10; i++) {
            index.append(i * 10, i * 100);
        }
        assertThat(file).doesNotExist();
        index.flush();
        assertThat(Files.size(file)).isEqualTo(80);

        OffsetIndex sealed = new OffsetIndex(file, 0, 1024, false);
        assertThat(sealed.entries()).isEqualTo(10);
        assertThat(sealed.lookup(55)).isEqualTo(new OffsetIndex.OffsetPosition(50, 500));
        assertThatThrownBy(() -> sealed.append(200, 5000)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void truncationDropsEntriesAtOrAboveTheOffsetAndShrinksTheFile() throws Exception {
        Path file = dir.resolve("c.index");
        OffsetIndex index = new OffsetIndex(file, 0, 1024, true);
        index.append(10, 100);
        index.append(20, 200);
        index.append(30, 300);
        index.seal();

        index.truncateTo(20);
        assertThat(index.entries()).isEqualTo(1);
        index.append(25, 250);
        index.flush();
        assertThat(Files.size(file)).isEqualTo(16);
        assertThat(new OffsetIndex(file, 0, 1024, false).lookup(29)).isEqualTo(new OffsetIndex.OffsetPosition(25, 250));
    }

    @Test
    void refusesOffsetsThatDoNotIncreaseOrDoNotFitAndReportsFull() throws Exception {
        OffsetIndex index = new OffsetIndex(dir.resolve("d.index"), 1000, 16, true);
        index.append(1001, 10);
        assertThatThrownBy(() -> index.append(1001, 20)).isInstanceOf(IllegalArgumentException.class);
        assertThat(index.canIndex(999)).isFalse();
        assertThat(index.canIndex(1000L + Integer.MAX_VALUE)).isTrue();
        assertThat(index.canIndex(1001L + Integer.MAX_VALUE)).isFalse();
        index.append(1002, 20);
        assertThat(index.isFull()).isTrue();
    }

    @Test
    void consistencyCheckCatchesPositionsBeyondTheLogAndDisorder() throws Exception {
        OffsetIndex index = new OffsetIndex(dir.resolve("e.index"), 0, 1024, true);
        index.append(5, 100);
        index.append(9, 200);
        assertThat(index.isConsistentWith(201)).isTrue();
        assertThat(index.isConsistentWith(200)).isFalse();
    }
}
