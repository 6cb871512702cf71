package dev.aichatroom.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** Claims in the {@code client_id_claims} table (SQLite or PostgreSQL). */
final class JdbcClaimStore implements ClaimStore {
    private final DataSource dataSource;

    JdbcClaimStore(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public List<Claim> since(long sinceMillis) {
        return connected("read client-id claims", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT client_id, owner_hash, last_issued FROM client_id_claims WHERE last_issued >= ?")) {
                ps.setLong(1, sinceMillis);
                List<Claim> claims = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        claims.add(new Claim(rs.getString(1), rs.getString(2), rs.getLong(3)));
                    }
                }
                return claims;
            }
        });
    }

    @Override
    public void save(Claim claim) {
        connected("store the claim on client id " + claim.clientId(), c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO client_id_claims (client_id, owner_hash, last_issued) VALUES (?, ?, ?)"
                            + " ON CONFLICT (client_id) DO UPDATE SET owner_hash = excluded.owner_hash,"
                            + " last_issued = excluded.last_issued"
                            + " WHERE excluded.last_issued >= client_id_claims.last_issued")) {
                ps.setString(1, claim.clientId());
                ps.setString(2, claim.ownerHash());
                ps.setLong(3, claim.lastIssuedMillis());
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public int removeBefore(long beforeMillis) {
        return connected("forget lapsed client-id claims", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM client_id_claims WHERE last_issued < ?")) {
                ps.setLong(1, beforeMillis);
                return ps.executeUpdate();
            }
        });
    }

    private <T> T connected(String what, Jdbc.Work<T> work) {
        return Jdbc.connected(dataSource, what, work);
    }
}
