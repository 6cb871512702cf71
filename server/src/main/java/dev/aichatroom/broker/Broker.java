package dev.aichatroom.broker;

/** The MQTT broker the product's features connect to: embedded, or an external one by configuration. */
public interface Broker extends AutoCloseable {
    void start();

    /** Host clients on this machine use to reach the broker's TCP listener. */
    String host();

    int port();

    /** Credentials the product's own connection uses. */
    Credentials serviceCredentials();

    @Override
    void close();

    record Credentials(String username, String password) {}
}
