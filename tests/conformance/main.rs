//! The storage contract as stories (DESIGN sections 3-7), each run against SQLite and PostgreSQL.
//! A story only speaks the `Store` trait: the fixture bodies go through `protocol::parse`, as
//! the hook would send them, and every guarantee is checked by reading the store back.
//! The PostgreSQL variants need the throw-away cluster of `scripts/test`; without it they skip
//! with a loud message.

mod runner;
mod support;

mod board;
mod catalog;
mod concurrency;
mod console_sessions;
mod delivery;
mod group_commit;
mod lifecycle;
mod numbering;
mod picking;
mod reading;
mod repeats;
mod retention;
mod startup;
mod tombstones;
