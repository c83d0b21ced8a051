package io.tributary.bench;

/** The built-in "kafka" target: a fresh {@link KafkaBroker} per start. */
public final class KafkaTarget implements Target {
    private KafkaBroker broker;

    @Override
    public String name() {
        return "kafka";
    }

    @Override
    public String start() throws Exception {
        stop();
        broker = KafkaBroker.start();
        return broker.bootstrap();
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }
}
