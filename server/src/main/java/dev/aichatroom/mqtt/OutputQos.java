package dev.aichatroom.mqtt;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code MQTT_OUTPUT_QOS=auto}: the QoS of the chat messages on {@code messages/out}, chosen from what the broker says
 * it is (docs/decisions/0027-resets-in-a-row-and-output-qos.md). QoS 2, so that an output whose acknowledgement was
 * lost with the connection is routed once; QoS 1 on Mosquitto before 2.0.13, whose in-flight quota bug (fixed in
 * 2.0.13, eclipse/mosquitto#2306) restores QoS 2 state it had already completed after a kill and resets the service's
 * connection over it (decision 0022).
 */
public final class OutputQos {
    /** Where Mosquitto keeps its version, retained ({@code mosquitto version 2.0.11}). */
    public static final String VERSION_TOPIC = "$SYS/broker/version";

    private static final Pattern MOSQUITTO = Pattern.compile("^mosquitto version (\\d+)\\.(\\d+)\\.(\\d+)");

    /** The QoS chosen and why, for the log. */
    public record Choice(int qos, String why) {}

    private OutputQos() {}

    /** @param version the retained {@value #VERSION_TOPIC}, empty when the broker has none or does not show it */
    public static Choice choose(Optional<String> version) {
        if (version.isEmpty()) {
            return new Choice(2, "the broker does not say it is a Mosquitto before 2.0.13");
        }
        Matcher m = MOSQUITTO.matcher(version.get().strip());
        if (!m.find()) {
            return new Choice(2, "the broker says it is " + version.get().strip());
        }
        int[] v = {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
        boolean old = v[0] < 2 || (v[0] == 2 && v[1] == 0 && v[2] < 13);
        return old
                ? new Choice(1, version.get().strip() + ": QoS 2 state it restores after a kill resets the connection")
                : new Choice(2, version.get().strip());
    }
}
