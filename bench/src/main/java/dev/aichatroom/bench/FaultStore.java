package dev.aichatroom.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the product's store after a scenario, to tell where each lost input stopped. */
final class FaultStore {
    private static final Pattern MARKER = Pattern.compile("r=(\\d+);p=(\\d+);s=(\\d+)");

    private FaultStore() {}

    record Fates(long neverStored, long unpublished, long published) {}

    static Fates fates(String url, String user, String password, int run, List<Long> lost) throws SQLException {
        Set<Long> wanted = new HashSet<>(lost);
        Map<Long, Boolean> stored = new HashMap<>();
        try (Connection c = url.startsWith("jdbc:sqlite:")
                        ? DriverManager.getConnection(url)
                        : DriverManager.getConnection(url, user, password);
                PreparedStatement ps =
                        c.prepareStatement("SELECT content, published FROM messages WHERE type = 'user_message'");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Matcher m = MARKER.matcher(rs.getString(1));
                if (m.find() && Integer.parseInt(m.group(1)) == run) {
                    long key = FaultAnalysis.key(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
                    if (wanted.contains(key)) {
                        stored.merge(key, rs.getBoolean(2), Boolean::logicalOr);
                    }
                }
            }
        }
        long published = stored.values().stream().filter(b -> b).count();
        return new Fates(lost.size() - stored.size(), stored.size() - published, published);
    }
}
