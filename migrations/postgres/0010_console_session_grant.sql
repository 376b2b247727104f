-- Reloading without a restart (SIGHUP): a session opened with a console token records which
-- grant opened it (the SHA-256 digest of the token, in hex), so that a reload that removes the
-- token's line ends its sessions. A one-time link's session has none: revoking the link ends it.
ALTER TABLE console_sessions ADD COLUMN grant_digest TEXT;
CREATE INDEX console_sessions_by_grant ON console_sessions (grant_digest)
    WHERE grant_digest IS NOT NULL AND ended_at IS NULL;

-- Retention of the console's own tables: sessions and links a day past their end are deleted
-- with the journal's retention round, so the index on the expiry spares each round a scan.
CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);
CREATE INDEX console_links_by_expiry ON console_links (expires_at);

-- The service role may now delete from these two tables as well (deploy/postgres/roles.sql
-- grants the same when it runs later), as 0004 granted the journal and the outbox.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'sbermarket_orders_hook') THEN
        GRANT DELETE ON console_sessions, console_links TO sbermarket_orders_hook;
    END IF;
END
$$;
