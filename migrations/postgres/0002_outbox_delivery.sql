-- Delivery of the outbox to Telegram (issue 4): a worker leases a row while it sends it, and
-- the time of every attempt is kept so that Telegram's rate limits hold across workers.
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN lease_until TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN last_attempt_at TIMESTAMPTZ;
-- When the row was (re)queued: the retry horizon counts from here, so `outbox retry` gives a
-- parked notice a fresh horizon.
ALTER TABLE outbox ADD COLUMN queued_at TIMESTAMPTZ;
UPDATE outbox SET queued_at = created_at;

-- The head of each chat's queue: the oldest pending row.
CREATE INDEX outbox_pending_by_chat ON outbox (chat, id) WHERE status = 'pending';
-- Recent attempts per chat (1/s per chat, 20/min per group) and overall (30/s).
CREATE INDEX outbox_attempts_by_chat ON outbox (chat, last_attempt_at);
CREATE INDEX outbox_attempts ON outbox (last_attempt_at);
