//! What people do, beside the marketplace's events: a store's pickers take, finish, hand over
//! and put back orders on the board (`picking`); the operator puts parked notices back in the
//! queue, from the console or the command line (`requeue`). Each action runs like an event in
//! `ingest`: one transaction (`ActionStore::begin_action`) reads what it needs under the
//! order's lock, the pure rule decides, and the change and its journal row commit together, so
//! that no action is done unjournaled and no journal row tells of an action undone.

pub mod links;
pub mod picking;
pub mod requeue;

use crate::domain::Outcome;
use crate::store::JournalEntry;
use chrono::{DateTime, Utc};
use serde_json::json;

/// Who acts, as the journal names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The signed-in name (`Дежурный оператор`, `Лесная, 5`), or the command line's user.
    pub name: String,
    /// `operator`, `store:77-001`, or `cli`.
    pub role: String,
    /// The console session the action came from: the first characters of its digest, enough
    /// to find its other actions, never enough to sign in with.
    pub session: Option<String>,
}

/// Where the action was asked from, as the journal's event type begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Console,
    CommandLine,
}

impl Via {
    /// `console.outbox.retry`, `cli.link.revoke`.
    fn event_type(self, action: &str) -> String {
        match self {
            Via::Console => format!("console.{action}"),
            Via::CommandLine => format!("cli.{action}"),
        }
    }

    /// The status of the answer the person got: the console's forms go back with a redirect,
    /// the command line's is a success.
    fn status_code(self) -> u16 {
        match self {
            Via::Console => 303,
            Via::CommandLine => 200,
        }
    }
}

/// How much of a session's digest the journal keeps.
const SESSION_MARK: usize = 12;

impl Actor {
    /// A console viewer: the session is kept by a short mark of its digest.
    pub fn console(name: &str, role: String, session_digest: &str) -> Actor {
        Actor {
            name: name.to_owned(),
            role,
            session: Some(session_digest.chars().take(SESSION_MARK).collect()),
        }
    }

    /// The command line, run by whoever is logged in on the server.
    pub fn command_line() -> Actor {
        let user = std::env::var("SUDO_USER")
            .or_else(|_| std::env::var("USER"))
            .unwrap_or_else(|_| "unknown".to_owned());
        Actor {
            name: user,
            role: "cli".to_owned(),
            session: None,
        }
    }

    /// `Анна via «Лесная, 5» (store:77-001, session 1a2b3c4d5e6f)`.
    pub fn said(&self) -> String {
        match &self.session {
            Some(session) => format!("{} ({}, session {session})", self.name, self.role),
            None => format!("{} ({})", self.name, self.role),
        }
    }
}

/// The journal row of an action: outcome `operator` (a person's action, not the marketplace's),
/// the action's own name as its event type, what it was in `body` as JSON.
fn entry(
    at: DateTime<Utc>,
    event_type: &str,
    order_id: Option<&str>,
    status_code: u16,
    detail: String,
    actor: &Actor,
    what: serde_json::Value,
) -> JournalEntry {
    let body = json!({
        "action": event_type,
        "actor": actor.name,
        "role": actor.role,
        "session": actor.session,
        "what": what,
    });
    JournalEntry {
        at,
        request_id: None,
        event_type: Some(event_type.to_owned()),
        order_id: order_id.map(str::to_owned),
        outcome: Outcome::Operator,
        status_code,
        duration_ms: (Utc::now() - at).num_milliseconds().max(0),
        detail: format!("{}: {detail}", actor.said()),
        body: Some(body.to_string().into()),
        replay_of: None,
    }
}
