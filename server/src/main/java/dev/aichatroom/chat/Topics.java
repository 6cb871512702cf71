package dev.aichatroom.chat;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every topic of the chat protocol (PROTOCOL.md §1). The default room uses the seed's topics
 * ({@code chatroom/messages/in}); room {@code R} uses {@code chatroom/R/messages/in}.
 */
public final class Topics {
    public static final String ROOT = "chatroom";
    private static final Pattern ROOM_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Set<String> RESERVED = Set.of("messages", "users", "system", "clients", "presence");

    /** The kinds of input the service consumes. */
    public enum Input {
        MESSAGE("messages/in"),
        JOIN("users/join"),
        LEAVE("users/leave");

        private final String suffix;

        Input(String suffix) {
            this.suffix = suffix;
        }
    }

    /** A parsed input topic. */
    public record Parsed(String room, Input input) {}

    private final String defaultRoom;

    public Topics(String defaultRoom) {
        this.defaultRoom = defaultRoom;
    }

    public String defaultRoom() {
        return defaultRoom;
    }

    /** What {@link #isValidRoom} accepts, for error messages. */
    public static final String ROOM_RULE =
            "room names are 1-64 of A-Z a-z 0-9 _ - and not messages, users, system, clients or presence";

    public static boolean isValidRoom(String room) {
        return ROOM_NAME.matcher(room).matches() && !RESERVED.contains(room);
    }

    private String base(String room) {
        return room.equals(defaultRoom) ? ROOT : ROOT + "/" + room;
    }

    private static final String OUT = "messages/out";
    private static final String STREAM = "messages/stream";
    private static final String ONLINE = "users/online";
    private static final String SYSTEM = "system";
    private static final String TYPING = "users/typing";

    public String in(String room) {
        return base(room) + "/" + Input.MESSAGE.suffix;
    }

    public String out(String room) {
        return base(room) + "/" + OUT;
    }

    public String stream(String room) {
        return base(room) + "/" + STREAM;
    }

    public String join(String room) {
        return base(room) + "/" + Input.JOIN.suffix;
    }

    public String leave(String room) {
        return base(room) + "/" + Input.LEAVE.suffix;
    }

    public String online(String room) {
        return base(room) + "/" + ONLINE;
    }

    public String system(String room) {
        return base(room) + "/" + SYSTEM;
    }

    /** Where clients say that someone is typing (never stored, never retained: PROTOCOL.md §1.7). */
    public String typing(String room) {
        return base(room) + "/" + TYPING;
    }

    /** The topic {@code suffix} of the default room and of every other room. */
    private static List<String> everyRoom(String suffix) {
        return List.of(ROOT + "/" + suffix, ROOT + "/+/" + suffix);
    }

    /** Filters of every room's chat messages ({@code messages/out}). */
    public static List<String> outFilters() {
        return everyRoom(OUT);
    }

    /** Filters of every room's typing topic. */
    public static List<String> typingFilters() {
        return everyRoom(TYPING);
    }

    public static String errors(String clientId) {
        return ROOT + "/clients/" + clientId + "/errors";
    }

    /** Filters the service subscribes to: every room's inputs. */
    public static String[] inputFilters() {
        return java.util.Arrays.stream(Input.values())
                .flatMap(input -> everyRoom(input.suffix).stream())
                .toArray(String[]::new);
    }

    /** Filters of every room's retained member list. */
    public static List<String> onlineFilters() {
        return everyRoom(ONLINE);
    }

    /** Filters only the service may publish on. */
    public static String[] outputFilters() {
        return java.util.stream.Stream.concat(
                        java.util.stream.Stream.of(OUT, STREAM, ONLINE, SYSTEM)
                                .flatMap(suffix -> everyRoom(suffix).stream()),
                        java.util.stream.Stream.of(ROOT + "/clients/#"))
                .toArray(String[]::new);
    }

    /**
     * Reads an input topic. Empty when the topic is not a chat input; a room that is not a valid room name is still
     * returned, so that the caller can answer with an error.
     */
    public Optional<Parsed> parse(String topic) {
        for (Input input : Input.values()) {
            if (topic.equals(ROOT + "/" + input.suffix)) {
                return Optional.of(new Parsed(defaultRoom, input));
            }
            String tail = "/" + input.suffix;
            if (topic.startsWith(ROOT + "/") && topic.endsWith(tail)) {
                String room = topic.substring(ROOT.length() + 1, topic.length() - tail.length());
                if (!room.contains("/")) {
                    return Optional.of(new Parsed(room, input));
                }
            }
        }
        return Optional.empty();
    }
}
