package io.tributary.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

import io.tributary.compat.raftroute.RaftRouteResolverProvider;

/**
 * A cluster of brokers on 127.0.0.1 that know each other through {@code raft.peers}: child JVMs
 * ({@link #ofProcesses}) or containers. With {@code cuttableRaft}, their Raft traffic goes through
 * {@link RaftLinks} so tests can partition the network.
 */
final class Cluster implements AutoCloseable {

    /** What a member needs to be created: its node id and ports, and the cluster's settings. */
    record MemberSpec(String name, int nodeId, int port, int raftPort, Path dataDir, Map<String, String> overrides,
            List<String> jvmOptions) {
    }

    /**
     * JVM flags of cluster members (besides -Xmx256m), from {@code tributary.cluster.jvmOptions}. Three
     * brokers, the clients and the test share two cores: by default the brokers compile with C1 only
     * and collect with the serial GC, which halves their start-up CPU time. Timing-sensitive results
     * (failover) are then, if anything, pessimistic.
     */
    static final List<String> JVM_OPTIONS = java.util.Arrays.stream(System.getProperty(
            "tributary.cluster.jvmOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC").split("\\s+"))
            .filter(option -> !option.isBlank()).toList();

    private final String name;
    private final Map<Integer, ClusterMember> members;
    private final RaftLinks links;

    private Cluster(String name, Map<Integer, ClusterMember> members, RaftLinks links) {
        this.name = name;
        this.members = members;
        this.links = links;
    }

    /** {@code size} brokers as child JVMs, started and serving. */
    static Cluster ofProcesses(String name, int size, boolean cuttableRaft, Map<String, String> overrides) {
        Path hook = cuttableRaft ? hookClasspath() : null;
        return create(name, size, cuttableRaft, overrides, spec -> BrokerProcess.member(spec.name(), spec.nodeId(),
                spec.port(), spec.raftPort(), spec.dataDir(), spec.overrides(), spec.jvmOptions(),
                hook == null ? List.of() : List.of(hook)));
    }

    /**
     * Creates the members with {@code factory}, starts them together (none serves before a majority
     * of the metadata group runs) and waits until all serve.
     */
    static Cluster create(String name, int size, boolean cuttableRaft, Map<String, String> overrides,
            Function<MemberSpec, ClusterMember> factory) {
        int[] ports = FreePorts.take(2 * size);
        Map<Integer, Integer> raftPorts = new LinkedHashMap<>();
        for (int id = 1; id <= size; id++) {
            raftPorts.put(id, ports[size + id - 1]);
        }
        String peers = raftPorts.entrySet().stream()
                .map(e -> e.getKey() + "@127.0.0.1:" + e.getValue())
                .collect(Collectors.joining(","));
        RaftLinks links = cuttableRaft ? new RaftLinks(raftPorts) : null;
        Map<Integer, ClusterMember> members = new LinkedHashMap<>();
        Cluster cluster = new Cluster(name, members, links);
        try {
            for (int id = 1; id <= size; id++) {
                Map<String, String> settings = new HashMap<>(overrides);
                settings.put("raft.peers", peers);
                List<String> jvmOptions = new ArrayList<>(JVM_OPTIONS);
                if (links != null) {
                    jvmOptions.add("-D" + RaftRouteResolverProvider.ROUTES_PROPERTY + "=" + links.routesFor(id));
                }
                Path dataDir = Files.createTempDirectory("tributary-" + name + "-" + id + "-");
                members.put(id, factory.apply(new MemberSpec(name + "-" + id, id, ports[id - 1], raftPorts.get(id),
                        dataDir, settings, jvmOptions)));
            }
            members.values().forEach(ClusterMember::spawn);
            members.values().forEach(ClusterMember::awaitServing);
            cluster.awaitBrokers(Duration.ofSeconds(60));
            return cluster;
        } catch (IOException e) {
            cluster.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | AssertionError e) {
            cluster.close();
            throw e;
        }
    }

    /** The directory holding the compiled Raft route hook, for the brokers' class path. */
    static Path hookClasspath() {
        try {
            return Paths.get(RaftRouteResolverProvider.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    ClusterMember member(int nodeId) {
        ClusterMember member = members.get(nodeId);
        if (member == null) {
            throw new IllegalArgumentException("no broker " + nodeId + " in " + name);
        }
        return member;
    }

    Collection<ClusterMember> members() {
        return members.values();
    }

    Set<Integer> nodeIds() {
        return new TreeSet<>(members.keySet());
    }

    /** The Raft network, if the cluster was created with cuttable Raft links. */
    RaftLinks links() {
        if (links == null) {
            throw new IllegalStateException("cluster " + name + " was started without cuttable Raft links");
        }
        return links;
    }

    RaftLinks linksOrNull() {
        return links;
    }

    /** Every broker's listener, as a client's bootstrap list. */
    String bootstrap() {
        return members.values().stream().map(ClusterMember::bootstrap).collect(Collectors.joining(","));
    }

    /** Listeners of the running, unpaused brokers. */
    String liveBootstrap() {
        return members.values().stream().filter(m -> m.isAlive() && !m.isPaused())
                .map(ClusterMember::bootstrap).collect(Collectors.joining(","));
    }

    /** An admin client with short timeouts, for polling a cluster that may be mid-failover. */
    static Admin quickAdmin(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "50");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        props.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "50");
        props.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, "500");
        props.put(AdminClientConfig.METADATA_MAX_AGE_CONFIG, "1000");
        return Admin.create(props);
    }

    /** Creates a topic with the given replication factor and waits until all its replicas are in sync. */
    void createTopic(String topic, int partitions, int replicationFactor) {
        try (Admin admin = Clients.admin(bootstrap())) {
            Clients.await(admin.createTopics(List.of(new NewTopic(topic, partitions, (short) replicationFactor))).all());
        }
        awaitHealthy(Duration.ofSeconds(60), topic);
    }

    /** Waits until every broker lists every member of the cluster among its brokers. */
    void awaitBrokers(Duration timeout) {
        for (ClusterMember member : members.values()) {
            try (Admin admin = quickAdmin(member.bootstrap())) {
                Eventually.holds(timeout, () -> {
                    Set<Integer> listed = admin.describeCluster(new DescribeClusterOptions().timeoutMs(3_000))
                            .nodes().get(5, TimeUnit.SECONDS).stream().map(Node::id)
                            .collect(Collectors.toCollection(TreeSet::new));
                    if (!listed.containsAll(members.keySet())) {
                        throw new AssertionError("broker " + member.nodeId() + " lists brokers " + listed
                                + ", expected " + members.keySet());
                    }
                });
            }
        }
    }

    /**
     * Waits until the cluster is whole again: every broker runs, and each one reports every partition
     * of the topics with a leader and all its replicas in sync.
     */
    void awaitHealthy(Duration timeout, String... topics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ClusterMember member : members.values()) {
            if (!member.isAlive() || member.isPaused()) {
                throw new IllegalStateException("broker " + member.nodeId() + " is not running");
            }
        }
        for (ClusterMember member : members.values()) {
            try (Admin admin = quickAdmin(member.bootstrap())) {
                Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
                Eventually.holds(left, () -> {
                    for (TopicDescription description : describe(admin, List.of(topics)).values()) {
                        for (TopicPartitionInfo p : description.partitions()) {
                            if (p.leader() == null || p.leader().id() < 0 || p.isr().size() != p.replicas().size()) {
                                throw new AssertionError("broker " + member.nodeId() + " reports " + description.name()
                                        + "-" + p.partition() + " with leader " + p.leader() + ", replicas "
                                        + ids(p.replicas()) + ", in sync " + ids(p.isr()));
                            }
                        }
                    }
                });
            }
        }
    }

    /** Waits until every running broker reports a leader for every partition of the topics. */
    void awaitLeaders(Duration timeout, String... topics) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ClusterMember member : members.values()) {
            if (!member.isAlive() || member.isPaused()) {
                continue;
            }
            try (Admin admin = quickAdmin(member.bootstrap())) {
                Eventually.holds(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), () -> {
                    for (TopicDescription description : describe(admin, List.of(topics)).values()) {
                        for (TopicPartitionInfo p : description.partitions()) {
                            if (p.leader() == null || p.leader().id() < 0) {
                                throw new AssertionError("broker " + member.nodeId() + " reports no leader for "
                                        + description.name() + "-" + p.partition());
                            }
                        }
                    }
                });
            }
        }
    }

    /**
     * Waits until {@code broker} is in the in-sync replicas of every partition it holds a replica of, in
     * the given topics or, if none are given, in every topic (internal ones included).
     */
    void awaitInSync(int broker, Duration timeout, String... topics) {
        Eventually.holds(timeout, () -> {
            try (Admin admin = quickAdmin(liveBootstrap())) {
                Collection<String> names = topics.length > 0 ? List.of(topics)
                        : admin.listTopics(new ListTopicsOptions().listInternal(true).timeoutMs(4_000)).names()
                                .get(5, TimeUnit.SECONDS);
                for (TopicDescription topic : describe(admin, names).values()) {
                    for (TopicPartitionInfo p : topic.partitions()) {
                        if (ids(p.replicas()).contains(broker)) {
                            assertThat(ids(p.isr())).as("ISR of %s-%d", topic.name(), p.partition()).contains(broker);
                        }
                    }
                }
            }
        });
    }

    /** The current leader of a partition as a broker that is up reports it; -1 when it has none. */
    int leaderOf(TopicPartition partition) {
        try (Admin admin = quickAdmin(liveBootstrap())) {
            TopicPartitionInfo info = describe(admin, List.of(partition.topic())).get(partition.topic())
                    .partitions().get(partition.partition());
            return info.leader() == null ? -1 : info.leader().id();
        }
    }

    static Map<String, TopicDescription> describe(Admin admin, Collection<String> topics) {
        try {
            return admin.describeTopics(topics, new DescribeTopicsOptions().timeoutMs(4_000))
                    .allTopicNames().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("describeTopics " + topics + " failed: " + e, e);
        }
    }

    static List<Integer> ids(List<Node> nodes) {
        List<Integer> ids = new ArrayList<>();
        nodes.forEach(n -> ids.add(n.id()));
        return ids;
    }

    /**
     * How each running broker sees the topic's partitions (leader, leader epoch, in-sync replicas), from
     * a Metadata request sent to that broker alone, for diagnostics.
     */
    String views(String topic) {
        StringBuilder out = new StringBuilder();
        for (ClusterMember member : members.values()) {
            out.append("broker ").append(member.nodeId()).append(':');
            if (!member.isAlive() || member.isPaused()) {
                out.append(member.isAlive() ? " paused" : " down").append('\n');
                continue;
            }
            String listener = member.bootstrap();
            try (RawConnection connection = new RawConnection(
                    Integer.parseInt(listener.substring(listener.lastIndexOf(':') + 1)))) {
                short version = (short) Math.min(12, connection.maxVersion(connection.apiVersions(),
                        org.apache.kafka.common.protocol.ApiKeys.METADATA));
                var request = new org.apache.kafka.common.requests.MetadataRequest.Builder(List.of(topic), false)
                        .build(version);
                var response = (org.apache.kafka.common.requests.MetadataResponse) connection.receive(connection.send(request));
                for (var t : response.data().topics()) {
                    for (var p : t.partitions()) {
                        out.append(" p").append(p.partitionIndex()).append(" leader=").append(p.leaderId())
                                .append(" epoch=").append(p.leaderEpoch()).append(" isr=").append(p.isrNodes());
                        if (p.errorCode() != 0) {
                            out.append(" error=").append(org.apache.kafka.common.protocol.Errors.forCode(p.errorCode()));
                        }
                    }
                }
            } catch (IOException | RuntimeException | AssertionError e) {
                out.append(' ').append(e);
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** Every member's last log lines, for failure messages. */
    String logTails(int lines) {
        StringBuilder out = new StringBuilder();
        for (ClusterMember member : members.values()) {
            out.append("---- broker ").append(member.nodeId()).append(" (").append(member).append(") ----\n")
                    .append(member.logTail(lines)).append('\n');
        }
        return out.toString();
    }

    @Override
    public void close() {
        if (links != null) {
            links.healAll();
        }
        List<RuntimeException> failures = new ArrayList<>();
        for (ClusterMember member : members.values()) {
            try {
                // Teardown needs no clean shutdown (the data is deleted), and a member waiting for a
                // quorum that is already gone would take long to stop.
                member.kill();
                member.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (links != null) {
            links.close();
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }

    @Override
    public String toString() {
        return "cluster " + name + " " + members.keySet() + " at " + bootstrap();
    }
}
