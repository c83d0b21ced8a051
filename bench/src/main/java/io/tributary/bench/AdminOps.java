package io.tributary.bench;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;

/** The few Kafka Admin client calls the harness needs: readiness and topic creation. */
final class AdminOps {
    private AdminOps() {
    }

    static Admin connect(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "tributary-bench-admin");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        return Admin.create(props);
    }

    /**
     * Waits until a broker at {@code bootstrap} answers ApiVersions and Metadata (the Admin
     * client's describeCluster) with at least one node. Fails early when {@code alive} turns false.
     */
    static void awaitReady(String bootstrap, Duration timeout, BooleanSupplier alive)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        try (Admin admin = connect(bootstrap)) {
            while (System.nanoTime() < deadline) {
                if (!alive.getAsBoolean()) {
                    throw new IllegalStateException("process exited before " + bootstrap + " answered");
                }
                try {
                    Collection<Node> nodes = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                    last = e;
                }
                Thread.sleep(250);
            }
        }
        throw new IllegalStateException("no Kafka answer from " + bootstrap + " within " + timeout, last);
    }

    /** Creates a topic with 1 partition and replication factor 1, and waits for its leader. */
    static void createTopic(String bootstrap, String topic) throws Exception {
        try (Admin admin = connect(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (System.nanoTime() < deadline) {
                try {
                    Map<String, TopicDescription> d =
                            admin.describeTopics(List.of(topic)).allTopicNames().get(5, TimeUnit.SECONDS);
                    if (d.get(topic).partitions().get(0).leader() != null) {
                        return;
                    }
                } catch (ExecutionException notYetVisible) {
                    // metadata not propagated yet
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("topic " + topic + " has no leader after 15 s");
        }
    }
}
