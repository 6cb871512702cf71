package dev.aichatroom.broker;

/** The MQTT broker the product's features connect to: embedded, or an external one by configuration. */
public interface Broker extends AutoCloseable {
    void start();

    /** Host the product's own connections use (the embedded broker's service listener is on loopback). */
    String host();

    /** Port the product's own connections use: for the embedded broker a free one, not MQTT_PORT. */
    int port();

    /** Credentials the product's own connection uses. */
    Credentials serviceCredentials();

    /** Why the broker refuses publishes now (its disk below the floor), if it does. */
    default java.util.Optional<String> problem() {
        return java.util.Optional.empty();
    }

    @Override
    void close();

    record Credentials(String username, String password) {}
}
