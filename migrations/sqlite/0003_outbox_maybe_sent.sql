-- A possible repeat (issue 9): a worker killed between Telegram's "ok" and its database write
-- leaves its row leased, and the worker that takes the row over may show the chat the notice a
-- second time. Once that has happened, every later attempt of the row may be a repeat too: a
-- 5xx on the next attempt does not take the first message back. The lease that tells a
-- takeover is cleared by the next settlement, so the fact is kept here, and `outbox retry`
-- leaves it as it is.
ALTER TABLE outbox ADD COLUMN maybe_sent BOOLEAN NOT NULL DEFAULT FALSE;
