-- The console (issue 12): sign-in sessions and the one-time sign-in links the operator prints
-- for a store. Secrets are kept as SHA-256 digests only: a copy of the database signs nobody in.

-- A sign-in link: good for one sign-in before it runs out; revoking it also ends the sessions
-- it opened.
CREATE TABLE console_links (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code_digest TEXT NOT NULL UNIQUE,
    store_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);

-- A signed-in browser. Signing out, revoking its link or running out ends it; rows are never
-- deleted by the service (the service role may not delete here).
CREATE TABLE console_sessions (
    id_digest TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    csrf TEXT NOT NULL,
    link_id BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ
);
CREATE INDEX console_sessions_by_link ON console_sessions (link_id) WHERE link_id IS NOT NULL;
