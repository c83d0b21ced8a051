package io.tributary.wire.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ConnectionOrderTest {
    private final ConnectionOrder order = new ConnectionOrder();
    private final List<String> started = new ArrayList<>();

    @Test
    void aReadyStepWaitsForAnEarlierStepThatIsNotReadyYet() {
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> firstDone = order.start(first, this::record);
        CompletableFuture<String> secondDone = order.start(CompletableFuture.completedFuture("second"), this::record);

        assertThat(started).isEmpty();
        assertThat(secondDone).isNotDone();
        first.complete("first");
        assertThat(started).containsExactly("first", "second");
        assertThat(firstDone).isCompletedWithValue("first");
        assertThat(secondDone).isCompletedWithValue("second");
    }

    @Test
    void stepsThatAreReadyRunAtOnce() {
        assertThat(order.start(CompletableFuture.completedFuture("a"), this::record)).isCompletedWithValue("a");
        assertThat(order.start(CompletableFuture.completedFuture("b"), this::record)).isCompletedWithValue("b");
        assertThat(started).containsExactly("a", "b");
    }

    @Test
    void aFailedStepIsSkippedAndReleasesTheNext() {
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> firstDone = order.start(first, this::record);
        CompletableFuture<String> secondDone = order.start(CompletableFuture.completedFuture("second"), this::record);
        first.completeExceptionally(new IllegalStateException("refused"));

        assertThat(firstDone).isCompletedExceptionally();
        assertThat(secondDone).isCompletedWithValue("second");
        assertThat(started).containsExactly("second");
    }

    @Test
    void aStepThatThrowsFailsItsResultAndReleasesTheNext() {
        CompletableFuture<String> firstDone = order.start(CompletableFuture.completedFuture("x"), value -> {
            throw new IllegalStateException("broken");
        });
        assertThat(firstDone).isCompletedExceptionally();
        assertThat(order.start(CompletableFuture.completedFuture("next"), this::record)).isCompletedWithValue("next");
    }

    private CompletableFuture<String> record(String value) {
        started.add(value);
        return CompletableFuture.completedFuture(value);
    }
}
