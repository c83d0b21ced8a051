package io.tributary.wire;

import io.tributary.cli.ClientCommands;
import io.tributary.wire.config.BrokerConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** The {@code tributary} command: {@code broker} runs a broker; the others are small Kafka clients. */
public final class Main {
    private static final String USAGE = """
            usage: tributary broker [--config FILE] [--override key=value ...] [--join RAFT_HOST:PORT]
                   tributary create-topic --bootstrap-server HOST:PORT --topic T [--partitions N] [--replication-factor N]
                   tributary produce --bootstrap-server HOST:PORT --topic T PARTITION VALUE
                   tributary consume --bootstrap-server HOST:PORT --topic T [--group G] [--max-messages N]
            """;

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        // gRPC (inside Ratis) logs through java.util.logging; send it to the one backend, logback.
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        if (args.length == 0) {
            System.err.print(USAGE);
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            switch (args[0]) {
                case "broker" -> runBroker(rest);
                case "create-topic", "produce", "consume" -> System.exit(ClientCommands.run(args[0], rest));
                default -> {
                    System.err.println("unknown command '" + args[0] + "'");
                    System.err.print(USAGE);
                    System.exit(2);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        }
    }

    private static void runBroker(String[] args) throws Exception {
        Path configFile = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> configFile = Path.of(value(args, ++i, "--config"));
                case "--join" -> overrides.put(BrokerConfig.RAFT_JOIN, value(args, ++i, "--join"));
                case "--override" -> {
                    String kv = value(args, ++i, "--override");
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--override takes key=value, got '" + kv + "'");
                    }
                    overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
            }
        }
        Broker broker = new Broker(BrokerConfig.load(configFile, overrides));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                broker.close();
            } catch (Exception e) {
                System.err.println("error during shutdown: " + e);
            } finally {
                stopped.countDown();
            }
        }, "tributary-shutdown"));
        try {
            broker.start();
        } catch (Exception e) {
            System.err.println("error: the broker could not start: " + e.getMessage());
            System.exit(1);
        }
        stopped.await();
    }

    static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
