package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/** Checks how the broker jar is put together where a mistake would show only in benchmarks. */
class BrokerJarTest {
    @Test
    void ratisChecksumsTheRaftLogWithTheJdksCrc32c() throws Exception {
        try (ZipFile jar = new ZipFile(BrokerProcess.brokerJar().toFile())) {
            var entry = jar.getEntry("org/apache/ratis/util/PureJavaCrc32C.class");
            assertThat(entry).as("Ratis's checksum class in the broker jar").isNotNull();
            String classFile = new String(jar.getInputStream(entry).readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(classFile).as("the broker jar holds tributary-replication's PureJavaCrc32C, not Ratis's")
                    .contains("java/util/zip/CRC32C");
        }
    }
}
