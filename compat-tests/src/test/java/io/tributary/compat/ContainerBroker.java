package io.tributary.compat;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.IsRunningStartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.images.builder.ImageFromDockerfile;

import com.github.dockerjava.api.DockerClient;

/**
 * A cluster member running in a Docker container built from the broker jar (see
 * {@code src/test/docker/Dockerfile}), with host networking: it listens on 127.0.0.1 like a child
 * JVM would. Its data directory is a host folder mounted at the same path, so tests read its logs.
 * Faults go through Docker: {@code docker kill} (SIGKILL), {@code docker pause}, {@code docker stop}.
 */
final class ContainerBroker implements ClusterMember {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final String MAIN_CLASS = "io.tributary.wire.Main";

    private final String name;
    private final int nodeId;
    private final int port;
    private final Path dataDir;
    private final GenericContainer<?> container;
    private boolean created;
    private volatile boolean paused;

    ContainerBroker(String image, Cluster.MemberSpec spec) {
        this.name = spec.name();
        this.nodeId = spec.nodeId();
        this.port = spec.port();
        this.dataDir = spec.dataDir().toAbsolutePath();
        List<String> command = new ArrayList<>(List.of("java", "-Xmx256m"));
        command.addAll(spec.jvmOptions());
        command.addAll(List.of("-cp", "/opt/tributary/tributary-broker.jar:/opt/tributary/hook", MAIN_CLASS, "broker",
                "--override", "node.id=" + nodeId,
                "--override", "listeners=PLAINTEXT://127.0.0.1:" + port,
                "--override", "log.dirs=" + dataDir,
                "--override", "raft.address=127.0.0.1:" + spec.raftPort()));
        spec.overrides().forEach((key, value) -> {
            command.add("--override");
            command.add(key + "=" + value);
        });
        this.container = new GenericContainer<>(image)
                .withNetworkMode("host")
                .withFileSystemBind(dataDir.toString(), dataDir.toString(), BindMode.READ_WRITE)
                .withCommand(command.toArray(String[]::new))
                .withStartupCheckStrategy(new IsRunningStartupCheckStrategy())
                // Serving needs a majority of the cluster, so start() must not wait for it: awaitServing does.
                .waitingFor(new AbstractWaitStrategy() {
                    @Override
                    protected void waitUntilReady() {
                    }
                });
    }

    /**
     * Builds the broker image on {@code TRIBUTARY_BASE_IMAGE} (default {@code eclipse-temurin:17-jre})
     * and returns its name; {@link #removeImage} deletes it again.
     */
    static String buildImage() {
        String base = System.getenv().getOrDefault("TRIBUTARY_BASE_IMAGE", "eclipse-temurin:17-jre");
        String name = "tributary-compat-broker:" + UUID.randomUUID().toString().substring(0, 8);
        Path dockerfile = Paths.get("src", "test", "docker", "Dockerfile").toAbsolutePath();
        ImageFromDockerfile image = new ImageFromDockerfile(name, false)
                .withFileFromPath("Dockerfile", dockerfile)
                .withFileFromPath("tributary/tributary-broker.jar", BrokerProcess.brokerJar())
                .withFileFromPath("tributary/hook", Cluster.hookClasspath())
                .withBuildArg("BASE_IMAGE", base);
        try {
            return image.get(10, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new IllegalStateException("could not build the broker image on " + base + ": " + e, e);
        }
    }

    static void removeImage(String image) {
        try {
            DockerClientFactory.instance().client().removeImageCmd(image).withForce(true).exec();
        } catch (RuntimeException e) {
            System.err.println("could not remove image " + image + ": " + e);
        }
    }

    private DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    @Override
    public int nodeId() {
        return nodeId;
    }

    @Override
    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    @Override
    public Path dataDir() {
        return dataDir;
    }

    @Override
    public boolean isAlive() {
        if (!created || container.getContainerId() == null) {
            return false;
        }
        Boolean running = docker().inspectContainerCmd(container.getContainerId()).exec().getState().getRunning();
        return Boolean.TRUE.equals(running);
    }

    @Override
    public boolean isPaused() {
        return paused && isAlive();
    }

    @Override
    public void spawn() {
        if (!created) {
            container.start();
            created = true;
        } else {
            docker().startContainerCmd(container.getContainerId()).exec();
        }
        paused = false;
    }

    @Override
    public void awaitServing() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Exception last = null;
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        try (Admin admin = Admin.create(props)) {
            while (System.nanoTime() < deadline) {
                if (!isAlive()) {
                    throw new IllegalStateException("container of broker " + name + " exited while starting. Last log"
                            + " lines:\n" + logTail(60));
                }
                try {
                    admin.describeCluster(new DescribeClusterOptions().timeoutMs(3_000)).nodes().get(5, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    last = e;
                    BrokerProcess.sleep(Duration.ofMillis(250));
                }
            }
        }
        throw new IllegalStateException("broker " + name + " (container) did not answer on " + bootstrap() + " within "
                + START_TIMEOUT.toSeconds() + " s (last error: " + last + "). Last log lines:\n" + logTail(60));
    }

    @Override
    public void stop() {
        if (isAlive()) {
            if (paused) {
                resume();
            }
            docker().stopContainerCmd(container.getContainerId()).withTimeout(30).exec();
        }
    }

    @Override
    public void kill() {
        if (isAlive()) {
            if (paused) {
                // A frozen container cannot be signalled: thaw it, then SIGKILL it at once.
                resume();
            }
            docker().killContainerCmd(container.getContainerId()).withSignal("KILL").exec();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (isAlive() && System.nanoTime() < deadline) {
                BrokerProcess.sleep(Duration.ofMillis(50));
            }
        }
        paused = false;
    }

    @Override
    public void pause() {
        docker().pauseContainerCmd(container.getContainerId()).exec();
        paused = true;
    }

    @Override
    public void resume() {
        if (paused && isAlive()) {
            docker().unpauseContainerCmd(container.getContainerId()).exec();
        }
        paused = false;
    }

    @Override
    public String logTail(int lines) {
        if (!created) {
            return "(container not created)";
        }
        try {
            List<String> all = List.of(container.getLogs().split("\n"));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (RuntimeException e) {
            return "(no logs: " + e + ")";
        }
    }

    @Override
    public void close() {
        try {
            if (created) {
                if (paused) {
                    resume();
                }
                container.stop();
            }
        } finally {
            BrokerProcess.deleteRecursively(dataDir);
        }
    }

    @Override
    public String toString() {
        return "broker " + name + " in container " + (created ? container.getContainerId() : "(not created)") + " at "
                + bootstrap();
    }
}
