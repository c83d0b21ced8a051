package io.tributary.compat;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;

/**
 * Tools outside the JVM that some tests need. Where one is missing the test is skipped, unless the
 * system property {@code tributary.requireExternal} is true (as in CI): then it fails, so a build
 * can never pass by skipping.
 */
final class External {

    private static final boolean REQUIRED = Boolean.getBoolean("tributary.requireExternal");
    private static Boolean kcat;
    private static Boolean docker;
    private static String python;
    private static Path kafkajs;

    private External() {
    }

    static synchronized void requireKcat() {
        if (kcat == null) {
            kcat = kcatWorks();
        }
        require(kcat, "kcat (`kcat -V` did not succeed; install the Debian package kcat)");
    }

    static synchronized void requireDocker() {
        if (docker == null) {
            docker = dockerWorks();
        }
        require(docker, "Docker (Testcontainers found no working engine; see ../shared/env/docker-up.sh)");
    }

    /**
     * A Python 3 that has confluent-kafka (librdkafka's Python client): {@code python3} on the PATH, or
     * the system's, where the Debian package python3-confluent-kafka installs it.
     */
    static synchronized String requireConfluentKafkaPython() {
        if (python == null) {
            python = "";
            for (String candidate : List.of("python3", "/usr/bin/python3")) {
                if (succeeds(List.of(candidate, "-c", "import confluent_kafka"), Duration.ofSeconds(20))) {
                    python = candidate;
                    break;
                }
            }
        }
        require(!python.isEmpty(), "python3 with confluent-kafka (install the Debian package python3-confluent-kafka)");
        return python;
    }

    /**
     * A folder holding the Node scripts of {@code src/test/node} with kafkajs installed beside them
     * ({@code npm ci} from the npm registry, once per test run).
     */
    static synchronized Path requireKafkajs() {
        if (kafkajs == null) {
            kafkajs = Path.of("target", "kafkajs").toAbsolutePath();
            try {
                Files.createDirectories(kafkajs);
                try (var sources = Files.list(Path.of("src", "test", "node"))) {
                    for (Path source : sources.toList()) {
                        Files.copy(source, kafkajs.resolve(source.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not prepare " + kafkajs, e);
            }
            boolean installed = Files.isDirectory(kafkajs.resolve("node_modules/kafkajs"))
                    || succeeds(List.of("npm", "ci", "--no-audit", "--no-fund", "--prefix", kafkajs.toString()),
                            Duration.ofMinutes(3));
            if (!installed || !succeeds(List.of("node", "--version"), Duration.ofSeconds(10))) {
                kafkajs = Path.of("");
            }
        }
        require(!kafkajs.toString().isEmpty(), "node and npm, and the npm registry to install kafkajs from");
        return kafkajs;
    }

    private static boolean succeeds(List<String> command, Duration timeout) {
        try {
            return Command.run(command, null, timeout).exitCode() == 0;
        } catch (RuntimeException | AssertionError e) {
            return false;
        }
    }

    private static void require(boolean available, String what) {
        if (available) {
            return;
        }
        if (REQUIRED) {
            fail("this test needs " + what + ", and tributary.requireExternal=true forbids skipping it");
        }
        Assumptions.abort("skipped: needs " + what);
    }

    private static boolean kcatWorks() {
        return succeeds(List.of("kcat", "-V"), Duration.ofSeconds(10));
    }

    private static boolean dockerWorks() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }
}
