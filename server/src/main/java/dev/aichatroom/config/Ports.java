package dev.aichatroom.config;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks, before anything starts, that every port the product will listen on is free, so that a taken port is
 * reported at once by its variable (not after the other parts started, nor blamed on another port).
 */
public final class Ports {
    /** A port the product will listen on, and the variable that sets it. */
    public record Wanted(String variable, String bind, int port) {}

    private Ports() {}

    /** The listening ports of this configuration: HTTP always; the embedded broker's when it runs. */
    public static List<Wanted> of(AppConfig config) {
        List<Wanted> wanted = new ArrayList<>();
        wanted.add(new Wanted("PORT", config.http().bind(), config.http().port()));
        if (config.mqttEnabled() && config.externalBroker().isEmpty()) {
            String bind = config.broker().bind();
            wanted.add(new Wanted("MQTT_PORT", bind, config.broker().port()));
            wanted.add(new Wanted("MQTT_WS_PORT", bind, config.broker().wsPort()));
            if (config.broker().tls().isPresent()) {
                wanted.add(new Wanted("MQTT_TLS_PORT", bind, config.broker().tlsPort()));
            }
        }
        return wanted.stream().filter(w -> w.port() > 0).toList();
    }

    /**
     * @throws ConfigException naming the first variable whose port is taken (or used twice), with the fix
     */
    public static void checkFree(List<Wanted> wanted) {
        List<Integer> seen = new ArrayList<>();
        for (Wanted w : wanted) {
            if (seen.contains(w.port())) {
                throw new ConfigException(
                        w.variable(), "port " + w.port() + " is given to two listeners; give each its own port");
            }
            seen.add(w.port());
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true); // a port in TIME_WAIT is free to listen on
                socket.bind(new InetSocketAddress(w.bind(), w.port()));
            } catch (IOException e) {
                throw new ConfigException(
                        w.variable(),
                        "port " + w.port() + " on " + w.bind() + " is already in use by another process ("
                                + e.getMessage()
                                + "); set " + w.variable() + " to a free port, or stop what listens there (`ss -ltnp"
                                + " 'sport = :" + w.port() + "'` shows it)");
            }
        }
    }
}
