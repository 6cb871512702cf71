-- Room members in the store, so that every instance of a scale-out (CHAT_SHARED_GROUP) sees the same list.
CREATE TABLE room_members (
    room          TEXT    NOT NULL,
    client_id     TEXT    NOT NULL,
    username      TEXT    NOT NULL,
    source        TEXT    NOT NULL,
    join_time     TEXT    NOT NULL,
    message_count BIGINT  NOT NULL DEFAULT 0,
    last_seen     BIGINT  NOT NULL,
    connection    TEXT,
    PRIMARY KEY (room, client_id)
);

CREATE INDEX room_members_last_seen ON room_members (last_seen);

-- One row per room, written first in every change of the room's members: it serialises those changes (and the
-- retained member list published with each) across instances.
CREATE TABLE room_locks (
    room    TEXT   NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL
);
