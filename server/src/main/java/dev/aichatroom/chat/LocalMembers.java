package dev.aichatroom.chat;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/** Members in this JVM: the single-instance default. */
final class LocalMembers implements Members {
    private final Map<String, Map<String, Member>> rooms = new ConcurrentHashMap<>();

    @Override
    public Optional<Member> find(String room, String clientId) {
        return Optional.ofNullable(room(room).get(clientId));
    }

    @Override
    public List<Member> of(String room) {
        return sorted(room(room).values());
    }

    @Override
    public Map<String, List<Member>> byRoom() {
        return rooms.entrySet().stream()
                .filter(e -> !e.getValue().isEmpty())
                .collect(Collectors.toMap(
                        Map.Entry::getKey, e -> sorted(e.getValue().values())));
    }

    @Override
    public void counted(String room, String clientId, long nowMillis) {
        room(room).computeIfPresent(clientId, (id, m) -> m.counted(nowMillis));
    }

    @Override
    public Optional<Member> join(String room, Member member, Announcer announcer) {
        Optional<Member> before = find(room, member.clientId());
        room(room).put(member.clientId(), before.map(b -> b.rejoined(member)).orElse(member));
        announcer.announce(before, of(room));
        return before;
    }

    @Override
    public Optional<Member> leave(String room, String clientId, Announcer announcer) {
        Optional<Member> gone = Optional.ofNullable(room(room).remove(clientId));
        gone.ifPresent(g -> announcer.announce(gone, of(room)));
        return gone;
    }

    /** Puts back a member from before a restart, without announcing (the start-up announcement follows). */
    void restore(String room, Member member) {
        room(room).putIfAbsent(member.clientId(), member);
    }

    @Override
    public void announce(String room, Announcer announcer) {
        announcer.announce(Optional.empty(), of(room));
    }

    private Map<String, Member> room(String room) {
        return rooms.computeIfAbsent(room, r -> new ConcurrentHashMap<>());
    }

    private static List<Member> sorted(java.util.Collection<Member> members) {
        return members.stream().sorted(Comparator.comparing(Member::joinTime)).toList();
    }
}
