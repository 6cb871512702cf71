package dev.aichatroom.bench;

import java.io.PrintStream;
import java.util.Locale;

/** The command line's output, the edge where the bench reports progress to the person who started it. */
final class Console {
    private final PrintStream out;
    private final PrintStream err;

    Console(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    static Console system() {
        return new Console(System.out, System.err);
    }

    void info(String format, Object... args) {
        out.println(String.format(Locale.ROOT, format, args));
        out.flush();
    }

    void error(String message) {
        err.println("bench: " + message);
        err.flush();
    }
}
