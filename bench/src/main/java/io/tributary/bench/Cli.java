package io.tributary.bench;

import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/** Small helpers for the benchmarks' command-line flags. */
final class Cli {
    private Cli() {
    }

    /**
     * Parses a benchmark's command line. On a bad flag it prints the problem and the usage and exits with
     * 2; when {@code help} holds it prints the usage and exits with 0.
     */
    static <T> T parseOrExit(String[] args, Function<String[], T> parse, Predicate<T> help, String usage) {
        T options;
        try {
            options = parse.apply(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.print(usage);
            System.exit(2);
            return null;
        }
        if (help.test(options)) {
            System.out.print(usage);
            System.exit(0);
        }
        return options;
    }

    /** The value after {@code flag}, at {@code args[i]}. */
    static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    static long positiveLong(String flag, String text) {
        long v = nonNegativeLong(flag, text);
        if (v == 0) {
            throw new IllegalArgumentException(flag + " must be positive: " + text);
        }
        return v;
    }

    static long nonNegativeLong(String flag, String text) {
        long v;
        try {
            v = Long.parseLong(text.replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a number: " + text);
        }
        if (v < 0) {
            throw new IllegalArgumentException(flag + " must not be negative: " + text);
        }
        return v;
    }

    static int positiveInt(String flag, String text) {
        long v = positiveLong(flag, text);
        if (v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(flag + " is too large: " + text);
        }
        return (int) v;
    }

    /** Parses "key=value" into {@code into}. */
    static void keyValue(String flag, String text, Map<String, String> into) {
        int eq = text.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException(flag + " needs KEY=VALUE: " + text);
        }
        into.put(text.substring(0, eq).trim(), text.substring(eq + 1).trim());
    }
}
