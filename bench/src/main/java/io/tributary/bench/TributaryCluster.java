package io.tributary.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Tributary brokers from the broker jar ({@code wire/target/tributary-broker.jar}), one child JVM
 * each, started as {@code bin/tributary cluster start} does: {@code java -Xmx.. -jar JAR broker},
 * with C1 as the only JIT compiler when there are several (they share the machine's cores, and three
 * JVMs compiling with C2 spent a third of their CPU on it throughout a 3-broker run), and with
 * {@code node.id}, a listener and a Raft address on free 127.0.0.1 ports, the same {@code raft.peers}
 * for all (so the metadata Raft group is all N brokers), its own {@code log.dirs}, and the
 * {@link ClusterSpec} settings, all as {@code --override}s.
 */
final class TributaryCluster implements ClusterLauncher {
    private final String name;
    private final Path jar;

    TributaryCluster(Path jar) {
        this("tributary", jar);
    }

    /** Brokers from another build's jar, under their own name (to compare two builds in one run). */
    TributaryCluster(String name, Path jar) {
        this.name = name;
        this.jar = jar.toAbsolutePath();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public BrokerCluster start(ClusterSpec spec) throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no broker jar at " + jar
                    + ": build it with 'mvn -B -q -o install -DskipTests' (or pass --tributary-jar)");
        }
        Path home = ChildProcesses.tempDir("tributary-bench-tributary-");
        try {
            int n = spec.brokers();
            int[] ports = new int[n];
            int[] raftPorts = new int[n];
            StringBuilder peers = new StringBuilder();
            for (int i = 0; i < n; i++) {
                ports[i] = Ports.freePort();
                raftPorts[i] = Ports.freePort();
                peers.append(i == 0 ? "" : ",").append(i + 1).append('@').append(Ports.LOOPBACK)
                        .append(':').append(raftPorts[i]);
            }
            List<BrokerCluster.Launch> launches = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int id = i + 1;
                Path nodeDir = Files.createDirectories(home.resolve("node-" + id));
                Path data = Files.createDirectories(nodeDir.resolve("data"));
                List<String> cmd = new ArrayList<>(List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx" + spec.heap()));
                if (n > 1) {
                    cmd.add("-XX:TieredStopAtLevel=1");
                }
                cmd.addAll(List.of("-jar", jar.toString(), "broker"));
                override(cmd, "node.id", Integer.toString(id));
                override(cmd, "listeners", "PLAINTEXT://" + Ports.LOOPBACK + ":" + ports[i]);
                override(cmd, "raft.address", Ports.LOOPBACK + ":" + raftPorts[i]);
                override(cmd, "raft.peers", peers.toString());
                override(cmd, "log.dirs", data.toString());
                for (Map.Entry<String, String> e : spec.settings().entrySet()) {
                    override(cmd, e.getKey(), e.getValue());
                }
                launches.add(new BrokerCluster.Launch(id, cmd, ports[i], data, nodeDir.resolve("broker.log")));
            }
            return BrokerCluster.launch(name(), home, launches, spec);
        } catch (Exception e) {
            ChildProcesses.deleteTree(home);
            throw e;
        }
    }

    /**
     * The Raft group folders of a Tributary broker: the directories under {@code <log.dirs>/raft/}
     * (the metadata group and each replica group this broker is a member of).
     */
    static List<String> raftGroups(Path dataDir) {
        Path raft = dataDir.resolve("raft");
        if (!Files.isDirectory(raft)) {
            return List.of();
        }
        try (var entries = Files.list(raft)) {
            return entries.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    /** The {@code term} in a Ratis {@code raft-meta} file, or -1 if it cannot be read. */
    static long raftTerm(Path raftMeta) {
        try {
            String text = new String(Files.readAllBytes(raftMeta), java.nio.charset.StandardCharsets.ISO_8859_1);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^term=(\\d+)").matcher(text);
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
    }

    private static void override(List<String> cmd, String key, String value) {
        cmd.add("--override");
        cmd.add(key + "=" + value);
    }
}
