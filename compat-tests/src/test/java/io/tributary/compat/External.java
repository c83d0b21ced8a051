package io.tributary.compat;

import static org.junit.jupiter.api.Assertions.fail;

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
        try {
            return Command.run(List.of("kcat", "-V"), null, Duration.ofSeconds(10)).exitCode() == 0;
        } catch (RuntimeException | AssertionError e) {
            return false;
        }
    }

    private static boolean dockerWorks() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }
}
