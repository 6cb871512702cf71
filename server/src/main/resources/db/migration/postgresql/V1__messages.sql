CREATE TABLE messages (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id  TEXT        NOT NULL UNIQUE,
    room        TEXT        NOT NULL,
    type        TEXT        NOT NULL,
    client_id   TEXT        NOT NULL,
    username    TEXT        NOT NULL,
    content     TEXT        NOT NULL,
    source      TEXT        NOT NULL,
    reply_to    TEXT,
    created_at  TEXT        NOT NULL,
    dedupe_key  TEXT        UNIQUE
);

CREATE INDEX messages_room_seq ON messages (room, seq);
