package dev.aichatroom.broker;

/** Sees MQTT clients come and go. Called on broker threads: hand work off, never block. */
public interface ClientListener {
    void connected(String clientId);

    /** The last connection with this client id closed, cleanly or not. */
    void disconnected(String clientId);
}
