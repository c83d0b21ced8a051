package io.tributary.bench;

import java.util.Map;

/** Small helpers for the benchmarks' command-line flags. */
final class Cli {
    private Cli() {
    }

    /** The value after {@code flag}, at {@code args[i]}. */
    static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    static long positiveLong(String flag, String text) {
        long v;
        try {
            v = Long.parseLong(text.replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a number: " + text);
        }
        if (v <= 0) {
            throw new IllegalArgumentException(flag + " must be positive: " + text);
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
