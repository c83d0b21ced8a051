package io.tributary.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TransactionIndexTest {
    @TempDir
    Path dir;

    @Test
    void writesKafkasThirtyFourByteEntriesOnlyOnceThereIsOne() throws Exception {
        Path file = dir.resolve("00000000000000000100.txnindex");
        TransactionIndex index = new TransactionIndex(file, true);
        index.flush();
        assertThat(file).doesNotExist();

        index.append(new AbortedTxn(7, 100, 105, 106));
        index.flush();
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file));
        assertThat(bytes.remaining()).isEqualTo(34);
        assertThat(bytes.getShort()).isZero();
        assertThat(bytes.getLong()).isEqualTo(7);
        assertThat(bytes.getLong()).isEqualTo(100);
        assertThat(bytes.getLong()).isEqualTo(105);
        assertThat(bytes.getLong()).isEqualTo(106);

        TransactionIndex reopened = new TransactionIndex(file, false);
        assertThat(reopened.entries()).isEqualTo(1);
        assertThat(reopened.entry(0)).isEqualTo(new AbortedTxn(7, 100, 105, 106));
    }

    @Test
    void collectsTheTransactionsOverlappingAFetchAndSaysWhenLaterSegmentsCannotAddAny() throws Exception {
        TransactionIndex index = new TransactionIndex(dir.resolve("a.txnindex"), true);
        index.append(new AbortedTxn(1, 0, 10, 11));   // before the fetch
        index.append(new AbortedTxn(2, 5, 20, 12));   // began before it, aborted inside it
        index.append(new AbortedTxn(3, 22, 30, 31));  // inside it
        index.append(new AbortedTxn(4, 40, 50, 51));  // began at the bound: not needed

        List<AbortedTxn> found = new ArrayList<>();
        assertThat(index.collect(15, 40, found)).isTrue();
        assertThat(found).extracting(AbortedTxn::producerId).containsExactly(2L, 3L);

        found.clear();
        assertThat(index.collect(15, 60, found)).isFalse();
        assertThat(found).extracting(AbortedTxn::producerId).containsExactly(2L, 3L, 4L);
    }

    @Test
    void truncationDropsTheMarkersAtOrAboveTheOffset() throws Exception {
        Path file = dir.resolve("b.txnindex");
        TransactionIndex index = new TransactionIndex(file, true);
        index.append(new AbortedTxn(1, 0, 10, 11));
        index.append(new AbortedTxn(2, 12, 20, 21));
        index.seal();

        index.truncateTo(20);
        assertThat(index.entries()).isEqualTo(1);
        index.append(new AbortedTxn(3, 15, 25, 26));
        index.flush();
        assertThat(Files.size(file)).isEqualTo(68);
        assertThat(new TransactionIndex(file, false).entry(1)).isEqualTo(new AbortedTxn(3, 15, 25, 26));
    }

    @Test
    void refusesMarkersOutOfOrder() throws Exception {
        TransactionIndex index = new TransactionIndex(dir.resolve("c.txnindex"), true);
        index.append(new AbortedTxn(1, 0, 10, 11));
        assertThatThrownBy(() -> index.append(new AbortedTxn(2, 0, 10, 11))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> index.append(new AbortedTxn(2, 30, 20, 31))).isInstanceOf(IllegalArgumentException.class);
        assertThat(index.isConsistentWith(0, 11)).isTrue();
        assertThat(index.isConsistentWith(0, 10)).isFalse();
    }
}
