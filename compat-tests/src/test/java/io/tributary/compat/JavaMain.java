package io.tributary.compat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a class's {@code main} in a child JVM on the test classpath. Kafka's command-line tools call
 * {@code Exit} on errors, which must not end the test JVM.
 */
final class JavaMain {

    private JavaMain() {
    }

    static Command.Result run(String mainClass, String stdin, Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of(
                BrokerProcess.javaExecutable(), "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-cp", testClasspath(), mainClass));
        command.addAll(List.of(args));
        return Command.run(command, stdin, timeout);
    }

    /** Surefire may put only a manifest jar on java.class.path; it exposes the real one separately. */
    static String testClasspath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }
}
