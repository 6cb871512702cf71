-- Draining a dead instance's broker session (docs/deployment.md, decision 0043): the instance is named by its MQTT
-- client id (outbox_instances.instance). A live instance that finds one silent for CHAT_INSTANCE_TIMEOUT claims the
-- drain until drain_after (epoch milliseconds, the database's clock), connects as that client id, handles the inputs
-- the broker queued for it, ends its session and deletes the row. A taker that dies mid-drain leaves the claim to
-- expire, and the next live instance tries again; a heartbeat of the instance itself clears it.
ALTER TABLE outbox_instances ADD COLUMN drain_after BIGINT;
