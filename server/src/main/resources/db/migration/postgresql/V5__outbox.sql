-- The outbox (docs/decisions/0009): a message is stored unpublished, published on messages/out, then marked. What an
-- instance finds unmarked of its own when it starts is published again, in order. Rows from before stay published.
ALTER TABLE messages ADD COLUMN published BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE messages ADD COLUMN instance TEXT;
CREATE INDEX messages_unpublished ON messages (instance, seq) WHERE published = FALSE;

-- Inputs without a message_id (and no broker stamp) stored but not yet acknowledged: a redelivery of one (same topic
-- and payload, on a later connection) is recognised here and not taken twice. Removed when the input is acknowledged.
CREATE TABLE input_ledger (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    input_hash  TEXT   NOT NULL,
    message_id  TEXT   NOT NULL,
    connection  TEXT   NOT NULL,
    created     BIGINT NOT NULL
);

CREATE INDEX input_ledger_hash ON input_ledger (input_hash);
CREATE INDEX input_ledger_message ON input_ledger (message_id);
