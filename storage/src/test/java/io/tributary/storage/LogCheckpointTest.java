package io.tributary.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsAndReplacesTheFile() throws Exception {
        assertThat(LogCheckpoint.read(dir)).isNull();
        new LogCheckpoint(10, 3).write(dir);
        new LogCheckpoint(20, 5).write(dir);
        assertThat(LogCheckpoint.read(dir)).isEqualTo(new LogCheckpoint(20, 5));
        assertThat(Files.list(dir)).hasSize(1);
    }

    @Test
    void saysWhatIsWrongWithAnUnreadableFile() throws Exception {
        Files.writeString(dir.resolve(LogCheckpoint.FILE_NAME), "0\nrecovery-point x\n");
        assertThatThrownBy(() -> LogCheckpoint.read(dir)).isInstanceOf(IOException.class).hasMessageContaining("unreadable");
    }
}
