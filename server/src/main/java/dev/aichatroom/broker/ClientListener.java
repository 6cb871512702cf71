package dev.aichatroom.broker;

/** Sees MQTT clients come and go. Called on broker threads: hand work off, never block. */
public interface ClientListener {
    /** A listener for a broker whose connections nobody watches. */
    ClientListener NONE = new ClientListener() {
        @Override
        public void connected(String clientId) {}

        @Override
        public void disconnected(String clientId) {}
    };

    void connected(String clientId);

    /** The last connection with this client id closed, cleanly or not. */
    void disconnected(String clientId);

    /**
     * The access policy dropped a publish of this client (a topic only the service publishes on, say). MQTT 3.1.1
     * has no way to tell the client in its acknowledgement, so this lets the product tell it another way.
     */
    default void publishRefused(String clientId, String topic) {}
}
