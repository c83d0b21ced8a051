package io.tributary.compat.raftroute;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.ratis.thirdparty.io.grpc.Attributes;
import org.apache.ratis.thirdparty.io.grpc.EquivalentAddressGroup;
import org.apache.ratis.thirdparty.io.grpc.NameResolver;
import org.apache.ratis.thirdparty.io.grpc.NameResolverProvider;

/**
 * A test hook loaded into a broker JVM (never into the test JVM's Ratis, which it does not use): it
 * sends the broker's outgoing Raft connections through the test's link proxies, so a test can cut the
 * Raft traffic between two brokers.
 *
 * <p>Ratis builds its gRPC channels with {@code forTarget("host:port")} and switches gRPC's proxy
 * support off, so the JVM's proxy settings cannot reach them. A target without a scheme is resolved
 * by the name resolver with the highest priority, though, and gRPC finds resolvers with the
 * {@link java.util.ServiceLoader}. This one, on the broker's class path with the system property
 * {@value #ROUTES_PROPERTY} set, resolves {@code 127.0.0.1:R} to {@code 127.0.0.1:P} for each
 * {@code R=P} pair of the property (the Raft port of another broker, and the port of this broker's
 * proxy towards it), and every other target to itself. Without the property it stays unavailable and
 * gRPC behaves as usual. Only addresses on 127.0.0.1 are ever produced.
 */
public final class RaftRouteResolverProvider extends NameResolverProvider {

    /** {@code raftPort=proxyPort,...}: where this broker's connections to each Raft port go instead. */
    public static final String ROUTES_PROPERTY = "tributary.test.raftRoutes";

    static final String SCHEME = "tributary-raft-route";
    private static final String HOST = "127.0.0.1";

    private final Map<Integer, Integer> routes = parse(System.getProperty(ROUTES_PROPERTY));

    @Override
    protected boolean isAvailable() {
        return !routes.isEmpty();
    }

    /** Above gRPC's DNS resolver (5), so this scheme becomes the default for targets without one. */
    @Override
    protected int priority() {
        return 9;
    }

    @Override
    public String getDefaultScheme() {
        return SCHEME;
    }

    @Override
    public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
        return List.of(InetSocketAddress.class);
    }

    @Override
    public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
        if (!SCHEME.equals(targetUri.getScheme())) {
            return null;
        }
        String target = targetUri.getPath().startsWith("/") ? targetUri.getPath().substring(1) : targetUri.getPath();
        int colon = target.lastIndexOf(':');
        if (colon <= 0) {
            return null;
        }
        String host = target.substring(0, colon);
        int port = Integer.parseInt(target.substring(colon + 1));
        Integer routed = HOST.equals(host) ? routes.get(port) : null;
        InetSocketAddress address = routed == null
                ? new InetSocketAddress(host, port)
                : new InetSocketAddress(HOST, routed);
        return new FixedResolver(target, address);
    }

    static Map<Integer, Integer> parse(String value) {
        Map<Integer, Integer> out = new HashMap<>();
        if (value == null || value.isBlank()) {
            return out;
        }
        for (String pair : value.split(",")) {
            String[] parts = pair.trim().split("=");
            if (parts.length != 2) {
                throw new IllegalArgumentException(ROUTES_PROPERTY + ": expected raftPort=proxyPort, got " + pair);
            }
            out.put(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
        }
        return out;
    }

    /** Always the same single address; a refresh (after a failed connection) repeats it. */
    private static final class FixedResolver extends NameResolver {
        private final String authority;
        private final InetSocketAddress address;
        private Listener2 listener;

        FixedResolver(String authority, InetSocketAddress address) {
            this.authority = authority;
            this.address = address;
        }

        @Override
        public String getServiceAuthority() {
            return authority;
        }

        @Override
        public void start(Listener2 listener) {
            this.listener = listener;
            publish();
        }

        @Override
        public void refresh() {
            if (listener != null) {
                publish();
            }
        }

        private void publish() {
            listener.onResult(ResolutionResult.newBuilder()
                    .setAddresses(List.of(new EquivalentAddressGroup(address)))
                    .setAttributes(Attributes.EMPTY)
                    .build());
        }

        @Override
        public void shutdown() {
            listener = null;
        }
    }
}
