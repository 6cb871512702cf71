package dev.aichatroom.chat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The members of every room: in this JVM ({@link LocalMembers}, one instance) or in the store ({@link SharedMembers},
 * every instance of a scale-out sees the same). Changed only on the chat worker thread; read from any thread.
 */
interface Members {
    /** Publishes what a change left: the member there before it (if any) and the room's members after it. */
    @FunctionalInterface
    interface Announcer {
        CompletableFuture<?> announce(Optional<Member> before, List<Member> members);
    }

    Optional<Member> find(String room, String clientId);

    /** The room's members, longest there first. */
    List<Member> of(String room);

    /** Every room with members, and its members. */
    Map<String, List<Member>> byRoom();

    /** Counts a message of a member and marks it seen; a client that is not a member is ignored. */
    void counted(String room, String clientId, long nowMillis);

    /**
     * Adds a member, or updates one that joins again (it keeps its join time and message count), then announces.
     *
     * @return the member there before
     */
    Optional<Member> join(String room, Member member, Announcer announcer);

    /** Removes a member and announces; nothing happens when it is not a member. */
    Optional<Member> leave(String room, String clientId, Announcer announcer);

    /** Announces the room's members as they are. */
    void announce(String room, Announcer announcer);

    /** Publishes a room's member list again, unchanged. */
    @FunctionalInterface
    interface Republisher {
        CompletableFuture<?> republish(String room, List<Member> members);
    }

    /** Which member lists {@link #republish} republishes. */
    enum Scope {
        /** The rooms changed (by any instance) since the last republish. */
        CHANGED,
        /** Those, and every room with members: a room that emptied long ago needs no list, and anyone may name rooms. */
        OCCUPIED,
        /** Every room ever changed. */
        EVERY
    }

    /**
     * Republishes member lists unchanged: members in the store only. Members in this JVM are published where they
     * change.
     *
     * @return how many lists were republished
     */
    default int republish(Scope scope, Republisher republisher) {
        return 0;
    }
}
