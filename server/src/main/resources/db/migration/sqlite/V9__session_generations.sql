-- Fencing a drain against its instance's return (decision 0047): every time an instance connects to the broker (again)
-- it moves its session_generation on, in the transaction in which it reads the input ledger. A drain of it reads the
-- generation before it connects as that instance and stores a drained input without a key only while the generation
-- is still the one it read (the row locked for that check): either the drain's store came first and the instance
-- finds the input in the ledger, or the instance came first and the drain stores nothing more, so an input without a
-- key is never taken by both.
ALTER TABLE outbox_instances ADD COLUMN session_generation BIGINT NOT NULL DEFAULT 0;
