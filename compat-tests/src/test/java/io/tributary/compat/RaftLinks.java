package io.tributary.compat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The Raft network between the brokers of a cluster, as TCP proxies on 127.0.0.1 that a test can cut.
 * Broker {@code a} reaches broker {@code b}'s Raft port only through the proxy for the ordered pair
 * (a, b) (see {@link io.tributary.compat.raftroute.RaftRouteResolverProvider}, which each broker JVM
 * loads). Cutting the link between a and b stops every byte in both directions, like a firewall that
 * drops packets: connections stay open but nothing arrives, and new ones connect but never answer.
 * Healing lets the traffic flow again, held bytes first.
 */
final class RaftLinks implements AutoCloseable {

    /** An unordered pair of brokers. */
    record Link(int a, int b) {
        Link {
            if (a == b) {
                throw new IllegalArgumentException("a link joins two different brokers: " + a);
            }
            if (a > b) {
                int t = a;
                a = b;
                b = t;
            }
        }

        @Override
        public String toString() {
            return a + "<->" + b;
        }
    }

    private static final String HOST = "127.0.0.1";

    private final Map<Integer, Integer> raftPorts;
    private final Map<Link, Gate> gates = new ConcurrentHashMap<>();
    private final Map<Integer, Map<Integer, Proxy>> proxies = new TreeMap<>();

    /** @param raftPorts every broker's node id and the Raft port it listens on */
    RaftLinks(Map<Integer, Integer> raftPorts) {
        this.raftPorts = Map.copyOf(raftPorts);
        for (int from : raftPorts.keySet()) {
            for (int to : raftPorts.keySet()) {
                if (from != to) {
                    Gate gate = gates.computeIfAbsent(new Link(from, to), l -> new Gate());
                    proxies.computeIfAbsent(from, f -> new TreeMap<>())
                            .put(to, new Proxy(from, to, raftPorts.get(to), gate));
                }
            }
        }
    }

    /**
     * The value of {@link io.tributary.compat.raftroute.RaftRouteResolverProvider#ROUTES_PROPERTY} for
     * broker {@code from}: each other broker's Raft port mapped to this broker's proxy towards it.
     */
    String routesFor(int from) {
        return proxies.get(from).entrySet().stream()
                .map(e -> raftPorts.get(e.getKey()) + "=" + e.getValue().port())
                .collect(Collectors.joining(","));
    }

    void cut(int a, int b) {
        gates.get(new Link(a, b)).close();
    }

    void heal(int a, int b) {
        gates.get(new Link(a, b)).open();
    }

    /** Cuts every link between the two sides (a broker in neither side keeps its links). */
    void partition(Set<Integer> side, Set<Integer> otherSide) {
        for (int a : side) {
            for (int b : otherSide) {
                cut(a, b);
            }
        }
    }

    void healAll() {
        gates.values().forEach(Gate::open);
    }

    Set<Link> cutLinks() {
        Set<Link> cut = new TreeSet<>((x, y) -> x.a() != y.a() ? Integer.compare(x.a(), y.a()) : Integer.compare(x.b(), y.b()));
        gates.forEach((link, gate) -> {
            if (gate.isClosed()) {
                cut.add(link);
            }
        });
        return cut;
    }

    /** Bytes that went through the proxies, for a sanity check that the brokers really use them. */
    long bytesForwarded() {
        long total = 0;
        for (Map<Integer, Proxy> byTarget : proxies.values()) {
            for (Proxy proxy : byTarget.values()) {
                total += proxy.forwarded();
            }
        }
        return total;
    }

    @Override
    public void close() {
        healAll();
        proxies.values().forEach(byTarget -> byTarget.values().forEach(Proxy::close));
    }

    /** Whether a link lets bytes through; pumps wait on it while it is closed. */
    private static final class Gate {
        private boolean closed;

        synchronized void close() {
            closed = true;
        }

        synchronized void open() {
            closed = false;
            notifyAll();
        }

        synchronized boolean isClosed() {
            return closed;
        }

        synchronized void awaitOpen() throws InterruptedException {
            while (closed) {
                wait();
            }
        }
    }

    /** Forwards connections from one broker to another broker's Raft port, through a gate. */
    private static final class Proxy {
        private final String name;
        private final int targetPort;
        private final Gate gate;
        private final ServerSocket server;
        private final Set<Socket> open = ConcurrentHashMap.newKeySet();
        private final java.util.concurrent.atomic.AtomicLong forwarded = new java.util.concurrent.atomic.AtomicLong();
        private volatile boolean closed;

        Proxy(int from, int to, int targetPort, Gate gate) {
            this.name = "raft-link-" + from + "-to-" + to;
            this.targetPort = targetPort;
            this.gate = gate;
            try {
                this.server = new ServerSocket();
                server.setReuseAddress(true);
                server.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0), 50);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            daemon(name + "-accept", this::acceptLoop).start();
        }

        int port() {
            return server.getLocalPort();
        }

        long forwarded() {
            return forwarded.get();
        }

        private void acceptLoop() {
            while (!closed) {
                Socket client;
                try {
                    client = server.accept();
                } catch (IOException e) {
                    if (closed) {
                        return;
                    }
                    continue;
                }
                Socket upstream = new Socket();
                try {
                    upstream.connect(new InetSocketAddress(InetAddress.getByName(HOST), targetPort), 5_000);
                } catch (IOException e) {
                    // The target broker is down: the caller sees its connection closed, as with a refusal.
                    closeQuietly(client);
                    closeQuietly(upstream);
                    continue;
                }
                open.add(client);
                open.add(upstream);
                daemon(name + "-out", () -> pump(client, upstream)).start();
                daemon(name + "-in", () -> pump(upstream, client)).start();
            }
        }

        private void pump(Socket from, Socket to) {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    gate.awaitOpen();
                    out.write(buffer, 0, n);
                    out.flush();
                    forwarded.addAndGet(n);
                }
            } catch (IOException | InterruptedException e) {
                // Either side went away; closing both below ends the other pump too.
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }

        void close() {
            closed = true;
            closeQuietly(server);
            List<Socket> sockets = new ArrayList<>(open);
            sockets.forEach(Proxy::closeQuietly);
        }

        private static Thread daemon(String name, Runnable body) {
            Thread thread = new Thread(body, name);
            thread.setDaemon(true);
            return thread;
        }

        private static void closeQuietly(java.io.Closeable closeable) {
            try {
                closeable.close();
            } catch (IOException ignored) {
                // Nothing left to do with it.
            }
        }
    }
}
