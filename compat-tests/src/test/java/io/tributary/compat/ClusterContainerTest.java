package io.tributary.compat;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The nemesis soak on three brokers in Docker containers (Testcontainers, host networking, image on
 * {@code TRIBUTARY_BASE_IMAGE}), with Docker's faults: {@code docker kill} (SIGKILL), {@code docker
 * pause} (the cgroup freezer), {@code docker stop}/{@code start}, and cuts of the Raft network. Skipped
 * without Docker, unless {@code tributary.requireExternal} is set (CI), which makes it fail instead.
 *
 * <p>CI runs it for {@value #DEFAULT_SECONDS} s; {@code -Dtributary.soak.containerSeconds=N} makes it
 * longer.
 */
class ClusterContainerTest {

    static final int DEFAULT_SECONDS = 30;

    private static String image;
    /** Ryuk is off on these machines: containers must be removed here or they outlive the build. */
    @RegisterExtension
    final ClusterCleanup clusters = new ClusterCleanup(40);
    private Cluster cluster;

    @BeforeAll
    static void buildImage() {
        External.requireDocker();
        image = ContainerBroker.buildImage();
    }

    @AfterAll
    static void removeImage() {
        if (image != null) {
            ContainerBroker.removeImage(image);
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.HOURS) // the real limit, from the soak's length, is below
    void queueSurvivesDockerKillPauseRestartAndRaftPartitions() {
        Duration soak = Duration.ofSeconds(Integer.getInteger("tributary.soak.containerSeconds", DEFAULT_SECONDS));
        long seed = Long.getLong("tributary.soak.seed", System.nanoTime());
        Assertions.assertTimeoutPreemptively(soak.plus(Duration.ofMinutes(12)), () -> {
            cluster = clusters.track(Cluster.create("container", 3, true, Map.of(), spec -> new ContainerBroker(image, spec)));
            ClusterNemesisSoakTest.runSoak(cluster, EnumSet.allOf(Nemesis.Fault.class), soak, seed, "containers");
        });
    }
}
