package dev.aichatroom.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Room members shared by every instance that uses the same database. Changes of one room are serialised across
 * instances: each runs its {@link Announcement} (the retained member list) before the next change of that room may
 * start, so the last list published is the list stored. Safe for concurrent use.
 */
public interface MemberStore {
    /** Publishes what a change left: the member stored before it (if any) and the room's members after it. */
    @FunctionalInterface
    interface Announcement {
        CompletableFuture<?> announce(Optional<StoredMember> before, List<StoredMember> members);
    }

    Optional<StoredMember> find(String room, String clientId);

    /** The room's members, longest there first. */
    List<StoredMember> list(String room);

    /** Every member of every room. */
    List<StoredMember> all();

    /** Counts a message of a member and marks it seen; nothing happens for a client that is not a member. */
    void touch(String room, String clientId, long nowMillis);

    /**
     * Stores a member; one already stored keeps its join time and message count.
     *
     * @return the member stored before
     */
    Optional<StoredMember> put(StoredMember member, Announcement announcement);

    /**
     * Removes a member; the announcement runs only when there was one to remove.
     *
     * @return the member removed
     */
    Optional<StoredMember> remove(String room, String clientId, Announcement announcement);

    /** Runs the announcement with the room's members as they are, in turn with the room's changes. */
    void announce(String room, Announcement announcement);

    /**
     * Each room's change count: it grows with every change (and {@link #announce}) of the room, on any instance. An
     * instance that sees a room's count move republishes the room's list on its own broker node.
     */
    Map<String, Long> versions();

    /**
     * Runs the announcement with the room's members as they are, in turn with the room's changes, without counting as
     * a change: republishing the same list on another broker node.
     *
     * @return the room's change count that the announced list belongs to
     */
    long reannounce(String room, Announcement announcement);
}
