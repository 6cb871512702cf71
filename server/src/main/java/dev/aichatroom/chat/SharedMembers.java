package dev.aichatroom.chat;

import dev.aichatroom.store.MemberStore;
import dev.aichatroom.store.StoredMember;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Members in the store, for instances that share rooms through {@code CHAT_SHARED_GROUP}: a join handled by one
 * instance and a leave handled by another meet in the same table, and every member list published is the stored one.
 */
final class SharedMembers implements Members {
    private final MemberStore store;
    /** The change count of each room's list as this instance last republished it; chat worker thread only. */
    private final Map<String, Long> republished = new HashMap<>();

    SharedMembers(MemberStore store) {
        this.store = store;
    }

    @Override
    public Optional<Member> find(String room, String clientId) {
        return store.find(room, clientId).map(SharedMembers::member);
    }

    @Override
    public List<Member> of(String room) {
        return members(store.list(room));
    }

    @Override
    public Map<String, List<Member>> byRoom() {
        Map<String, List<Member>> rooms = new LinkedHashMap<>();
        for (StoredMember m : store.all()) {
            rooms.computeIfAbsent(m.room(), r -> new java.util.ArrayList<>()).add(member(m));
        }
        return rooms;
    }

    @Override
    public void counted(String room, String clientId, long nowMillis) {
        store.touch(room, clientId, nowMillis);
    }

    @Override
    public Optional<Member> join(String room, Member m, Announcer announcer) {
        StoredMember stored = new StoredMember(
                room,
                m.clientId(),
                m.username(),
                m.source(),
                m.joinTime(),
                m.messageCount(),
                m.lastSeenMillis(),
                m.connection());
        return store.put(stored, announcement(announcer)).map(SharedMembers::member);
    }

    @Override
    public Optional<Member> leave(String room, String clientId, Announcer announcer) {
        return store.remove(room, clientId, announcement(announcer)).map(SharedMembers::member);
    }

    @Override
    public void announce(String room, Announcer announcer) {
        store.announce(room, announcement(announcer));
    }

    @Override
    public int republish(Scope scope, Republisher republisher) {
        Set<String> occupied = scope == Scope.OCCUPIED
                ? store.all().stream().map(StoredMember::room).collect(Collectors.toSet())
                : Set.of();
        int count = 0;
        for (Map.Entry<String, Long> room : store.versions().entrySet()) {
            boolean changed = !room.getValue().equals(republished.get(room.getKey()));
            if (scope != Scope.EVERY && !changed && !occupied.contains(room.getKey())) {
                continue;
            }
            long version = store.reannounce(
                    room.getKey(), (before, members) -> republisher.republish(room.getKey(), members(members)));
            republished.put(room.getKey(), version);
            count++;
        }
        return count;
    }

    private static MemberStore.Announcement announcement(Announcer announcer) {
        return (before, members) -> announcer.announce(before.map(SharedMembers::member), members(members));
    }

    private static List<Member> members(List<StoredMember> stored) {
        return stored.stream().map(SharedMembers::member).toList();
    }

    private static Member member(StoredMember m) {
        return new Member(
                m.clientId(),
                m.username(),
                m.source(),
                m.joinTime(),
                m.messageCount(),
                m.connection(),
                m.lastSeenMillis());
    }
}
