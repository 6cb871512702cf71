package dev.aichatroom.mqtt;

/** The product's MQTT connection could not do what was asked. */
public final class MqttException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean unreachable;

    public MqttException(String message, Throwable cause) {
        this(message, cause, false);
    }

    /** @param unreachable the broker did not answer (or refused the connection), so trying again later may work */
    public MqttException(String message, Throwable cause, boolean unreachable) {
        super(message, cause);
        this.unreachable = unreachable;
    }

    /** Whether the broker could not be reached at all, as opposed to refusing what was asked. */
    public boolean unreachable() {
        return unreachable;
    }
}
