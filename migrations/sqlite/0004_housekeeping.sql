-- Retention (issue 11): the journal and sent notices are pruned by age, a small batch at a
-- time. Without an index on the age each batch would scan the table to find nothing old.
CREATE INDEX journal_by_time ON journal (at);
CREATE INDEX outbox_sent_by_time ON outbox (sent_at) WHERE status = 'sent';

-- Housekeeping runs on one instance at a time: the instance that holds a task's lease does it,
-- and renews the lease while it works; a crashed holder's lease runs out.
CREATE TABLE maintenance_leases (
    task TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until TEXT NOT NULL
);
