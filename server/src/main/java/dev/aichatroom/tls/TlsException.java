package dev.aichatroom.tls;

import java.nio.file.Path;

/** A certificate or key that cannot be used, with the file at fault and what to do about it. */
public final class TlsException extends RuntimeException {
    private final transient Path file;

    public TlsException(Path file, String message) {
        super(message);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
