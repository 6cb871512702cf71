-- Outbox takeover (docs/deployment.md, decision 0009): each instance records here, every few seconds, that it is
-- alive. Unpublished messages of an instance not seen for CHAT_INSTANCE_TIMEOUT are taken over (re-owned and
-- published) by a live instance; an instance that starts records itself before it reads its own unpublished
-- messages, and a takeover locks the dead instance's row, so the two never both publish a message.
CREATE TABLE outbox_instances (
    instance TEXT   PRIMARY KEY,
    seen_at  BIGINT NOT NULL
);
