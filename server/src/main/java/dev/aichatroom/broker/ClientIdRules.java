package dev.aichatroom.broker;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which client ids an account owns, as patterns in the way Mosquitto's ACL patterns and AWS IoT policies bind
 * {@code %u}/{@code ${iot:Connection.Thing.ThingName}}: {@code %u} stands for the username, {@code *} for any run of
 * characters (possibly none), everything else for itself. An account may connect only with a client id it owns; a
 * client without an account (anonymous, or a browser's token) may not use an id that any account owns, so that
 * nobody can take over a device's session.
 *
 * @param defaults the patterns of every account without its own ({@link #DEFAULT}: the username itself, or the
 *     username followed by {@code -} or {@code _} and anything)
 * @param perAccount username → that account's own patterns, instead of the defaults
 */
public record ClientIdRules(List<String> defaults, Map<String, List<String>> perAccount) {
    public static final List<String> DEFAULT = List.of("%u", "%u-*", "%u_*");
    public static final ClientIdRules DEFAULTS = new ClientIdRules(DEFAULT, Map.of());

    public ClientIdRules {
        defaults = List.copyOf(defaults);
        perAccount = Map.copyOf(perAccount);
        for (List<String> patterns : perAccount.values()) {
            patterns.forEach(ClientIdRules::check);
        }
        defaults.forEach(ClientIdRules::check);
    }

    /** Refuses what could never be a client id pattern: empty, or with a topic character. */
    public static void check(String pattern) {
        if (pattern.isEmpty() || pattern.contains("/") || pattern.contains("+") || pattern.contains("#")) {
            throw new IllegalArgumentException(
                    "'" + pattern + "' is no client id pattern: use letters, %u for the username and * for any run");
        }
    }

    public List<String> patternsOf(String username) {
        return perAccount.getOrDefault(username, defaults);
    }

    public boolean owns(String username, String clientId) {
        return patternsOf(username).stream().anyMatch(p -> matches(p, username, clientId));
    }

    /** The first of {@code usernames} that owns {@code clientId}. */
    public Optional<String> ownerAmong(Collection<String> usernames, String clientId) {
        return usernames.stream().filter(u -> owns(u, clientId)).sorted().findFirst();
    }

    /**
     * The first of the account's patterns under which it would own some client id of {@code shape} (a pattern without
     * {@code %u}: the pages' {@code web_*}, the service's {@code ai-chatroom-service*}).
     */
    public Optional<String> patternOwningSome(String username, String shape) {
        return patternsOf(username).stream()
                .filter(p -> overlap(p.replace("%u", username), shape))
                .findFirst();
    }

    /**
     * Whether some string matches both patterns ({@code *} = any run, everything else itself): a walk through both
     * at once, where a {@code *} of either may stand for nothing or take the other's next character.
     */
    static boolean overlap(String a, String b) {
        boolean[][] reach = new boolean[a.length() + 1][b.length() + 1];
        reach[0][0] = true;
        for (int i = 0; i <= a.length(); i++) {
            for (int j = 0; j <= b.length(); j++) {
                if (!reach[i][j]) {
                    continue;
                }
                boolean starA = i < a.length() && a.charAt(i) == '*';
                boolean starB = j < b.length() && b.charAt(j) == '*';
                if (starA) {
                    reach[i + 1][j] = true;
                    if (j < b.length()) {
                        reach[i][j + 1] = true;
                    }
                }
                if (starB) {
                    reach[i][j + 1] = true;
                    if (i < a.length()) {
                        reach[i + 1][j] = true;
                    }
                }
                if (!starA && !starB && i < a.length() && j < b.length() && a.charAt(i) == b.charAt(j)) {
                    reach[i + 1][j + 1] = true;
                }
            }
        }
        return reach[a.length()][b.length()];
    }

    static boolean matches(String pattern, String username, String clientId) {
        StringBuilder regex = new StringBuilder();
        int i = 0;
        while (i < pattern.length()) {
            if (pattern.startsWith("%u", i)) {
                regex.append(Pattern.quote(username));
                i += 2;
            } else if (pattern.charAt(i) == '*') {
                regex.append(".*");
                i++;
            } else {
                int next = nextSpecial(pattern, i);
                regex.append(Pattern.quote(pattern.substring(i, next)));
                i = next;
            }
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL)
                .matcher(clientId)
                .matches();
    }

    private static int nextSpecial(String pattern, int from) {
        int i = from;
        while (i < pattern.length() && pattern.charAt(i) != '*' && !pattern.startsWith("%u", i)) {
            i++;
        }
        return i;
    }
}
