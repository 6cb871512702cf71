package dev.aichatroom.mqtt;

/** MQTT topic filter matching ({@code +} one level, {@code #} the rest, {@code $share/group/} ignored). */
public final class TopicFilter {
    private TopicFilter() {}

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
