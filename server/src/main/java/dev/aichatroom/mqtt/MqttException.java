package dev.aichatroom.mqtt;

/** The product's MQTT connection could not do what was asked. */
public final class MqttException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MqttException(String message, Throwable cause) {
        super(message, cause);
    }
}
