package io.tributary.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.errors.CoordinatorLoadInProgressException;
import org.junit.jupiter.api.Test;

class ProducerIdManagerTest {
    private final List<CompletableFuture<Long>> reservations = new ArrayList<>();
    private final ProducerIdManager ids = new ProducerIdManager(count -> {
        CompletableFuture<Long> f = new CompletableFuture<>();
        reservations.add(f);
        return f;
    });

    @Test
    void waitsForTheFirstBlockThenHandsOutItsIdsInOrder() {
        CompletableFuture<Long> first = ids.nextId();
        CompletableFuture<Long> second = ids.nextId();
        assertThat(reservations).as("one reservation for both").hasSize(1);
        reservations.get(0).complete(5_000L);
        assertThat(List.of(first.join(), second.join())).containsExactlyInAnyOrder(5_000L, 5_001L);
        assertThat(ids.nextIdNow()).isEqualTo(5_002L);
    }

    @Test
    void withoutAnIdAtHandTheCallerIsToldToRetryAndTheNextBlockIsReservedAhead() {
        assertThatThrownBy(ids::nextIdNow).isInstanceOf(CoordinatorLoadInProgressException.class);
        assertThatThrownBy(ids::nextIdNow).isInstanceOf(CoordinatorLoadInProgressException.class);
        assertThat(reservations).hasSize(1);
        reservations.get(0).complete(0L);
        for (int i = 0; i < ProducerIdManager.BLOCK_SIZE * 9 / 10; i++) {
            assertThat(ids.nextIdNow()).isEqualTo(i);
        }
        assertThat(reservations).as("the next block, reserved before this one runs out").hasSize(2);
        reservations.get(1).complete(10_000L);
        assertThat(ids.nextIdNow()).isEqualTo(10_000L);
    }

    @Test
    void aFailedReservationIsTriedAgain() {
        CompletableFuture<Long> waiting = ids.nextId();
        reservations.get(0).completeExceptionally(new IllegalStateException("no metadata leader"));
        assertThat(waiting).isCompletedExceptionally();
        CompletableFuture<Long> again = ids.nextId();
        assertThat(reservations).hasSize(2);
        reservations.get(1).complete(7L);
        assertThat(again.join()).isEqualTo(7L);
    }

    @Test
    void aReservationAnsweredAtOnceIsUsedAtOnce() {
        ProducerIdManager immediate = new ProducerIdManager(count -> CompletableFuture.completedFuture(300L));
        assertThat(immediate.nextId().join()).isEqualTo(300L);
        assertThat(immediate.nextIdNow()).isEqualTo(301L);
    }
}
