package io.tributary.replication;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommitHistoryTest {
    private final CommitHistory history = new CommitHistory();

    @Test
    void aYoungHistoryAnswersWithTheOldestCommitIndexKnown() {
        assertThat(history.committedAsOf(1_000, 10, 1_000)).isEqualTo(10);
        assertThat(history.committedAsOf(1_500, 20, 1_000)).isEqualTo(10);
    }

    @Test
    void answersWithTheCommitIndexAsOfTheLagAgo() {
        history.committedAsOf(0, 10, 1_000);
        history.committedAsOf(400, 20, 1_000);
        history.committedAsOf(800, 30, 1_000);
        assertThat(history.committedAsOf(1_000, 40, 1_000)).isEqualTo(10);
        assertThat(history.committedAsOf(1_450, 50, 1_000)).isEqualTo(20);
        assertThat(history.committedAsOf(1_900, 60, 1_000)).isEqualTo(30);
    }

    @Test
    void anUnchangedCommitIndexStaysTheAnswer() {
        history.committedAsOf(0, 10, 1_000);
        assertThat(history.committedAsOf(60_000, 10, 1_000)).isEqualTo(10);
    }

    @Test
    void samplesCloserThanASixteenthOfTheLagAreSkippedSoTheHistoryStaysSmall() {
        for (int t = 0; t < 10_000; t++) {
            history.committedAsOf(t, t, 1_600);
        }
        // One sample per 100 ms: the answer is at most 100 entries more lenient than exact.
        assertThat(history.committedAsOf(10_000, 10_000, 1_600)).isBetween(8_300L, 8_400L);
    }
}
