package io.tributary.compat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;

class ClusterScratchTest {
    @Test
    void isrUnderLoad() throws Exception {
        try (Cluster cluster = Cluster.ofProcesses("scratch", 3, false, Map.of())) {
            String topic = Clients.uniqueTopic("scratch");
            cluster.createTopic(topic, 3, 3);
            try (KafkaProducer<byte[], byte[]> p = Clients.producer(cluster.bootstrap(), Map.of(ProducerConfig.LINGER_MS_CONFIG, 5));
                 LoadGenerator load = new LoadGenerator(p, topic);
                 Admin admin = Cluster.quickAdmin(cluster.bootstrap())) {
                print(admin, topic, "idle");
                load.start();
                for (int i = 0; i < 8; i++) { Thread.sleep(1000); print(admin, topic, "load " + i); }
                cluster.member(1).kill();
                for (int i = 0; i < 4; i++) { Thread.sleep(1000); print(admin, topic, "killed " + i); }
                cluster.member(1).spawn(); cluster.member(1).awaitServing();
                for (int i = 0; i < 10; i++) { Thread.sleep(1000); print(admin, topic, "back " + i); }
                load.stopAndDrain(Duration.ofSeconds(30));
                for (int i = 0; i < 5; i++) { Thread.sleep(1000); print(admin, topic, "idle " + i); }
                System.out.println("acked " + load.acknowledged().size());
            }
        }
    }
    static void print(Admin admin, String topic, String label) {
        try {
            TopicDescription d = Cluster.describe(admin, List.of(topic)).get(topic);
            StringBuilder sb = new StringBuilder(label + ":");
            for (TopicPartitionInfo p : d.partitions()) sb.append(" p").append(p.partition()).append(" L=").append(p.leader() == null ? -1 : p.leader().id()).append(" isr=").append(Cluster.ids(p.isr()));
            System.out.println(sb);
        } catch (Throwable e) { System.out.println(label + ": " + e); }
    }
}
