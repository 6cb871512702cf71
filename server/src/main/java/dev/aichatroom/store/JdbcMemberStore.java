package dev.aichatroom.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Members in the {@code room_members} table (SQLite or PostgreSQL). A change of a room first writes the room's row in
 * {@code room_locks}: that row lock (PostgreSQL) or write lock (SQLite) is held, with the transaction, until the
 * change's announcement is confirmed, so two instances never publish a room's member list out of order.
 */
final class JdbcMemberStore implements MemberStore {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcMemberStore.class);
    /** How long a change waits for its announcement (a publish the broker confirms) while holding the room. */
    static final long ANNOUNCE_WAIT_MILLIS = 5_000;

    private static final String COLUMNS =
            "room, client_id, username, source, join_time, message_count, last_seen, connection";

    private final DataSource dataSource;

    JdbcMemberStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public Optional<StoredMember> find(String room, String clientId) {
        return connected("read member " + clientId, c -> find(c, room, clientId));
    }

    @Override
    public List<StoredMember> list(String room) {
        return connected("list members of room " + room, c -> list(c, room));
    }

    @Override
    public List<StoredMember> all() {
        return connected(
                "list members", c -> query(c, "SELECT " + COLUMNS + " FROM room_members ORDER BY room, join_time"));
    }

    @Override
    public void touch(String room, String clientId, long nowMillis) {
        connected("count a message of " + clientId, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE room_members SET message_count = message_count + 1,"
                    + " last_seen = ? WHERE room = ? AND client_id = ?")) {
                ps.setLong(1, nowMillis);
                ps.setString(2, room);
                ps.setString(3, clientId);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public Optional<StoredMember> put(StoredMember m, Announcement announcement) {
        return locked(m.room(), "store member " + m.clientId(), c -> {
            Optional<StoredMember> before = find(c, m.room(), m.clientId());
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO room_members (" + COLUMNS
                    + ") VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (room, client_id) DO UPDATE SET"
                    + " username = excluded.username, source = excluded.source, last_seen = excluded.last_seen,"
                    + " connection = excluded.connection")) {
                ps.setString(1, m.room());
                ps.setString(2, m.clientId());
                ps.setString(3, m.username());
                ps.setString(4, m.source());
                ps.setString(5, m.joinTime());
                ps.setLong(6, m.messageCount());
                ps.setLong(7, m.lastSeenMillis());
                ps.setString(8, m.connection().orElse(null));
                ps.executeUpdate();
            }
            await(m.room(), announcement.announce(before, list(c, m.room())));
            return before;
        });
    }

    @Override
    public Optional<StoredMember> remove(String room, String clientId, Announcement announcement) {
        return locked(room, "remove member " + clientId, c -> {
            Optional<StoredMember> before = find(c, room, clientId);
            if (before.isEmpty()) {
                return before;
            }
            try (PreparedStatement ps =
                    c.prepareStatement("DELETE FROM room_members WHERE room = ? AND client_id = ?")) {
                ps.setString(1, room);
                ps.setString(2, clientId);
                ps.executeUpdate();
            }
            await(room, announcement.announce(before, list(c, room)));
            return before;
        });
    }

    @Override
    public void announce(String room, Announcement announcement) {
        locked(room, "announce members of room " + room, c -> {
            await(room, announcement.announce(Optional.empty(), list(c, room)));
            return null;
        });
    }

    @Override
    public Map<String, Long> versions() {
        return connected("read the rooms' member list versions", c -> {
            Map<String, Long> versions = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT room, version FROM room_locks ORDER BY room");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    versions.put(rs.getString(1), rs.getLong(2));
                }
            }
            return versions;
        });
    }

    @Override
    public long reannounce(String room, Announcement announcement) {
        // the same row lock as a change, taken by a write that changes nothing
        return locked(
                room, "UPDATE room_locks SET version = version WHERE room = ?", "republish members of " + room, c -> {
                    long version;
                    try (PreparedStatement ps = c.prepareStatement("SELECT version FROM room_locks WHERE room = ?")) {
                        ps.setString(1, room);
                        try (ResultSet rs = ps.executeQuery()) {
                            version = rs.next() ? rs.getLong(1) : 0;
                        }
                    }
                    await(room, announcement.announce(Optional.empty(), list(c, room)));
                    return version;
                });
    }

    private static void await(String room, java.util.concurrent.CompletableFuture<?> announced) {
        try {
            announced.get(ANNOUNCE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            LOG.warn("Member list of room {} not confirmed by the broker; releasing the room anyway", room);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs {@code work} on a pooled connection (autocommit); a failure says what could not be done. */
    private <T> T connected(String what, Jdbc.Work<T> work) {
        return Jdbc.connected(dataSource, what, work);
    }

    /** Runs {@code work} in a transaction that first counts a change of the room, holding the room's row. */
    private <T> T locked(String room, String what, Jdbc.Work<T> work) {
        return locked(
                room,
                "INSERT INTO room_locks (room, version) VALUES (?, 1)"
                        + " ON CONFLICT (room) DO UPDATE SET version = room_locks.version + 1",
                what,
                work);
    }

    private <T> T locked(String room, String lock, String what, Jdbc.Work<T> work) {
        return connected(
                what,
                w -> Jdbc.inTransaction(w, c -> {
                    try (PreparedStatement ps = c.prepareStatement(lock)) {
                        ps.setString(1, room);
                        ps.executeUpdate();
                    }
                    return work.run(c);
                }));
    }

    private static Optional<StoredMember> find(Connection c, String room, String clientId) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT " + COLUMNS + " FROM room_members WHERE room = ? AND client_id = ?")) {
            ps.setString(1, room);
            ps.setString(2, clientId);
            return rows(ps).stream().findFirst();
        }
    }

    private static List<StoredMember> list(Connection c, String room) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + COLUMNS + " FROM room_members WHERE room = ? ORDER BY join_time, client_id")) {
            ps.setString(1, room);
            return rows(ps);
        }
    }

    private static List<StoredMember> query(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            return rows(ps);
        }
    }

    private static List<StoredMember> rows(PreparedStatement ps) throws SQLException {
        List<StoredMember> members = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                members.add(new StoredMember(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getLong(6),
                        rs.getLong(7),
                        Optional.ofNullable(rs.getString(8))));
            }
        }
        return members;
    }
}
