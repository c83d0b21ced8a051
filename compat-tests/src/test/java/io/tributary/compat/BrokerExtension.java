package io.tributary.compat;

import org.apache.kafka.clients.admin.Admin;
import java.util.Map;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * One broker shared by all tests of a class (register it as a static field). When a test fails,
 * the broker's last log lines are printed next to the failure.
 */
public final class BrokerExtension implements BeforeAllCallback, AfterAllCallback, TestWatcher {

    private final String name;
    private final Map<String, String> overrides;
    private BrokerProcess broker;
    private Admin admin;

    public BrokerExtension(String name) {
        this(name, Map.of());
    }

    public BrokerExtension(String name, Map<String, String> overrides) {
        this.name = name;
        this.overrides = overrides;
    }

    public BrokerProcess broker() {
        if (broker == null) {
            throw new IllegalStateException("broker " + name + " is not started");
        }
        return broker;
    }

    public String bootstrap() {
        return broker().bootstrap();
    }

    /** An Admin client of the broker, shared by the test class and closed after it. */
    public Admin admin() {
        if (admin == null) {
            admin = Clients.admin(bootstrap());
        }
        return admin;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        broker = BrokerProcess.start(name, overrides);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (admin != null) {
            admin.close();
            admin = null;
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        if (broker != null) {
            System.err.println("---- " + broker + ", last lines after failure of "
                    + context.getDisplayName() + " ----\n" + broker.logTail(80) + "\n----");
        }
    }
}
