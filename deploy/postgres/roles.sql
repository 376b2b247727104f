-- orders-hook: database roles for pool mode (PostgreSQL 13 or newer; tested on 15).
--
-- Run as a SUPERUSER while connected to the service's database, e.g.
--     psql -v ON_ERROR_STOP=1 -d orders -f deploy/postgres/roles.sql
-- Plain SQL, no psql meta-commands. Safe to run again: before or after `orders-hook migrate`,
-- after an upgrade, and in a cluster where the roles already exist (roles are cluster-wide; the
-- grants below are made for the current database only).
--
-- Two roles:
--   orders_hook_owner       owns the database and the schema objects; `orders-hook migrate` runs
--                           as it (orders-hook-migrate.service). Nothing else should log in as it.
--   sbermarket_orders_hook  the service user SberMarketOrdersHook: every `orders-hook serve` /
--                           `orders-hook notify` instance. SELECT, INSERT, UPDATE on the tables
--                           and USAGE, SELECT on their sequences; DELETE on `journal`,
--                           `outbox`, `console_sessions` and `console_links` alone, for retention
--                           (docs/operations.md, "Retention"). No TRUNCATE, no
--                           CREATE, no DDL: it owns nothing, so it can drop or alter nothing.
--
-- Passwords are NOT set here (they would land in shell history and logs). Set them separately:
--     ALTER ROLE orders_hook_owner      PASSWORD '...';
--     ALTER ROLE sbermarket_orders_hook PASSWORD '...';
-- (with password_encryption = scram-sha-256; psql's password meta-command hashes client-side).
--
-- Which databases a role may connect to is decided by CONNECT privileges AND pg_hba.conf. This
-- script revokes CONNECT on the current database from PUBLIC, but it does not touch other
-- databases, and PUBLIC has CONNECT on `postgres` by default. Restrict the roles in pg_hba.conf:
--     host  orders  sbermarket_orders_hook,orders_hook_owner  10.0.0.0/8  scram-sha-256
--     host  all     sbermarket_orders_hook,orders_hook_owner  all         reject
-- (the `reject` line before any broader `host all all ...` line).

-- 1. Roles (created once per cluster; attributes re-asserted on every run, passwords untouched).

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'orders_hook_owner') THEN
        CREATE ROLE orders_hook_owner LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'sbermarket_orders_hook') THEN
        CREATE ROLE sbermarket_orders_hook LOGIN;
    END IF;
END
$$;

ALTER ROLE orders_hook_owner
    LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    CONNECTION LIMIT 8;

-- 4 instances x 8 pooled connections each, plus `orders-hook notify` and CLI runs, plus headroom
-- for a rolling restart (old and new process briefly overlap).
ALTER ROLE sbermarket_orders_hook
    LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT
    CONNECTION LIMIT 64;

COMMENT ON ROLE orders_hook_owner IS 'orders-hook: schema owner, used only by orders-hook migrate';
COMMENT ON ROLE sbermarket_orders_hook IS 'service user SberMarketOrdersHook';

-- 2. The current database: owned by orders_hook_owner; only the two roles may connect.
--    (In PostgreSQL 15+ schema public belongs to pg_database_owner, i.e. to the database owner.)

DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I OWNER TO orders_hook_owner', current_database());
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO sbermarket_orders_hook', current_database());
    EXECUTE format('GRANT CONNECT, CREATE, TEMPORARY ON DATABASE %I TO orders_hook_owner',
                   current_database());
END
$$;

-- 3. Schema public: the owner creates in it; the service only uses it.
--    The explicit owner grant also covers PostgreSQL 14 and older, where public belongs to the
--    bootstrap superuser.

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO orders_hook_owner;
GRANT USAGE ON SCHEMA public TO sbermarket_orders_hook;

-- 4. Tables and sequences that migrations will create (as orders_hook_owner) ...

ALTER DEFAULT PRIVILEGES FOR ROLE orders_hook_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE ON TABLES TO sbermarket_orders_hook;
ALTER DEFAULT PRIVILEGES FOR ROLE orders_hook_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO sbermarket_orders_hook;

-- ... and those that already exist (the script run after `orders-hook migrate`).

GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO sbermarket_orders_hook;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO sbermarket_orders_hook;

-- 5. Retention: the service deletes journal rows and sent notices past their keeping time, and
--    the console's sessions and one-time links a day past their end, and may delete from those
--    four tables and no other (orders, history and the stock ledger are business records). Run
--    before `orders-hook migrate`, the tables are not there yet, and migrations 0004 (journal,
--    outbox) and 0010 (the console's two) make the same grants.

DO $$
BEGIN
    IF to_regclass('public.journal') IS NOT NULL THEN
        GRANT DELETE ON journal TO sbermarket_orders_hook;
    END IF;
    IF to_regclass('public.outbox') IS NOT NULL THEN
        GRANT DELETE ON outbox TO sbermarket_orders_hook;
    END IF;
    IF to_regclass('public.console_sessions') IS NOT NULL THEN
        GRANT DELETE ON console_sessions TO sbermarket_orders_hook;
    END IF;
    IF to_regclass('public.console_links') IS NOT NULL THEN
        GRANT DELETE ON console_links TO sbermarket_orders_hook;
    END IF;
END
$$;
