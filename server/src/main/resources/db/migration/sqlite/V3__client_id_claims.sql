-- Which browser owns which MQTT client id (web/ClientIdOwners), kept so that a restart does not hand a page's id to
-- whoever asks for a token first. owner_hash is the SHA-256 of the browser's owner cookie, never the cookie itself;
-- last_issued is when the owner last got a token for the id (epoch milliseconds): the claim lapses a day later.
CREATE TABLE client_id_claims (
    client_id   TEXT   NOT NULL PRIMARY KEY,
    owner_hash  TEXT   NOT NULL,
    last_issued BIGINT NOT NULL
);

CREATE INDEX client_id_claims_last_issued ON client_id_claims (last_issued);
