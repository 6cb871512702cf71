package dev.aichatroom.mqtt;

/** MQTT topic filter matching ({@code +} one level, {@code #} the rest, {@code $share/group/} ignored). */
public final class TopicFilter {
    private TopicFilter() {}

    /** Whether {@code name} can stand as one level of a topic: not empty, no level separator, no wildcard. */
    public static boolean isLevel(String name) {
        return !name.isEmpty() && !name.contains("/") && !name.contains("+") && !name.contains("#");
    }

    public static boolean matches(String filter, String topic) {
        String bare = filter.startsWith("$share/") ? filter.split("/", 3)[2] : filter;
        String[] f = bare.split("/", -1);
        String[] t = topic.split("/", -1);
        for (int i = 0; i < f.length; i++) {
            if (f[i].equals("#")) {
                return true;
            }
            if (i >= t.length || !f[i].equals("+") && !f[i].equals(t[i])) {
                return false;
            }
        }
        return f.length == t.length;
    }
}
