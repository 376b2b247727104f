-- The console (issue 12): sign-in sessions and the one-time sign-in links the operator prints
-- for a store. Secrets are kept as SHA-256 digests only: a copy of the database signs nobody in.

-- A sign-in link: good for one sign-in before it runs out; revoking it also ends the sessions
-- it opened.
CREATE TABLE console_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code_digest TEXT NOT NULL UNIQUE,
    store_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    revoked_at TEXT
);

-- A signed-in browser. Signing out, revoking its link or running out ends it; rows are never
-- deleted by the service (the service role may not delete here).
CREATE TABLE console_sessions (
    id_digest TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    csrf TEXT NOT NULL,
    link_id BIGINT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX console_sessions_by_link ON console_sessions (link_id) WHERE link_id IS NOT NULL;
