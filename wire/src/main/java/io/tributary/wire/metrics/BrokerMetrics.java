package io.tributary.wire.metrics;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.codahale.metrics.jmx.JmxReporter;
import java.io.Closeable;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The broker's Dropwizard metrics, published over JMX in the {@code io.tributary} domain: request rate
 * and latency per API, bytes in and out per topic, produce and fetch errors.
 */
public final class BrokerMetrics implements Closeable {
    private final MetricRegistry registry = new MetricRegistry();
    private final JmxReporter jmx = JmxReporter.forRegistry(registry).inDomain("io.tributary").build();

    public BrokerMetrics() {
        jmx.start();
    }

    public MetricRegistry registry() {
        return registry;
    }

    /** Rate and latency (arrival to response) of requests to one API. */
    public Timer requests(ApiKeys api) {
        return registry.timer(MetricRegistry.name("requests", api.name));
    }

    public Meter bytesIn(String topic) {
        return registry.meter(MetricRegistry.name("topics", topic, "bytes-in"));
    }

    public Meter bytesOut(String topic) {
        return registry.meter(MetricRegistry.name("topics", topic, "bytes-out"));
    }

    public Meter produceErrors() {
        return registry.meter("produce-errors");
    }

    public Meter fetchErrors() {
        return registry.meter("fetch-errors");
    }

    @Override
    public void close() {
        jmx.close();
    }
}
