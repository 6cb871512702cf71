package dev.aichatroom.config;

/** A configuration value that cannot be used; the message names the variable and the fix. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String variable;

    public ConfigException(String variable, String message) {
        super(variable + ": " + message);
        this.variable = variable;
    }

    public String variable() {
        return variable;
    }
}
