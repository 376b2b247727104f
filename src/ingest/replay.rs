//! Replay: a journaled request put through the hook's own sequence again (`Ingest::receive`),
//! as if the marketplace had sent it now — the same body, a new journal row marked as a replay
//! of the old one with who asked. After an incident (a field a new release accepts, a restored
//! database), this is how what was refused gets through. Idempotency holds as for the
//! marketplace's own retries: a `created` that has since succeeded answers the same number, and
//! a second replay changes nothing.

use super::journal::{Replay, Request};
use super::receive::{Ingest, Received};
use crate::domain::Outcome;
use crate::store::{JournalRow, JournalSearch, OperatorReads, StoreError};
use std::collections::BTreeMap;
use std::time::Instant;

/// Why a journal row is not put through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Skipped {
    /// No body was kept: refused before it was read (413, 408), or not a hook request.
    NoBody,
    /// A person's action in the console or on the command line, not the marketplace's request.
    NotARequest,
    /// Answered `200` already; put through again only when forced (it would change nothing).
    AnsweredOk,
}

impl Skipped {
    pub fn as_str(self) -> &'static str {
        match self {
            Skipped::NoBody => "no_body",
            Skipped::NotARequest => "not_a_request",
            Skipped::AnsweredOk => "answered_200",
        }
    }

    /// In the operator's words.
    pub fn words(self) -> &'static str {
        match self {
            Skipped::NoBody => "тело запроса не сохранено",
            Skipped::NotARequest => "это действие сотрудника, а не запрос маркетплейса",
            Skipped::AnsweredOk => "на запрос уже ответили 200 (повтор только с --force)",
        }
    }
}

/// Whether `row` may be put through again.
pub fn replayable(row: &JournalRow, force: bool) -> Result<(), Skipped> {
    if row.outcome == Outcome::Operator {
        Err(Skipped::NotARequest)
    } else if row.body.is_none() {
        Err(Skipped::NoBody)
    } else if row.status_code == 200 && !force {
        Err(Skipped::AnsweredOk)
    } else {
        Ok(())
    }
}

/// Puts `row`'s body through the hook's sequence now, journaled as a replay of it asked by
/// `asked_by`. The caller has checked `replayable`.
pub async fn replay(ingest: &Ingest, row: &JournalRow, asked_by: &str) -> Received {
    let mut request = Request::new(Instant::now(), Some(format!("replay-of-{}", row.id)));
    request.body = row.body.clone().map(Into::into);
    request.replay = Some(Replay {
        of: row.id,
        asked_by: asked_by.to_owned(),
    });
    ingest.receive(&mut request).await
}

/// How a replay ended, as the summary counts it: the journal's outcome.
pub fn outcome_of(received: &Received) -> Outcome {
    match received {
        Received::Applied(applied) => applied.decision.outcome,
        Received::Ignored => Outcome::Ignored,
        Received::Refused(_) | Received::Panicked(_) => Outcome::Invalid,
        Received::Unavailable(_) => Outcome::Unavailable,
    }
}

/// The journal row `id`, if it is kept.
pub async fn journal_row(
    reads: &dyn OperatorReads,
    id: i64,
) -> Result<Option<JournalRow>, StoreError> {
    let search = JournalSearch {
        problems_first: false,
        oldest_first: true,
        after_id: Some(id - 1),
        limit: 1,
        ..JournalSearch::default()
    };
    let rows = reads.search_journal(&search).await?;
    Ok(rows.into_iter().find(|row| row.id == id))
}

/// Every row `search` matches, oldest first, read a page at a time.
pub async fn matching(
    reads: &dyn OperatorReads,
    search: &JournalSearch,
) -> Result<Vec<JournalRow>, StoreError> {
    const PAGE: u32 = 1000;
    let mut rows = Vec::new();
    let mut after_id = None;
    loop {
        let page = reads
            .search_journal(&JournalSearch {
                problems_first: false,
                oldest_first: true,
                after_id,
                limit: PAGE,
                ..search.clone()
            })
            .await?;
        let full = page.len() == PAGE as usize;
        after_id = page.last().map(|row| row.id);
        rows.extend(page);
        if !full {
            return Ok(rows);
        }
    }
}

/// What a bulk replay would do, or did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub matched: usize,
    /// The rows to put through, oldest first.
    pub to_replay: Vec<i64>,
    pub skipped: BTreeMap<Skipped, usize>,
}

/// Which of `rows` a replay puts through, and why the others not.
pub fn plan(rows: &[JournalRow], force: bool) -> Plan {
    let mut plan = Plan {
        matched: rows.len(),
        ..Plan::default()
    };
    for row in rows {
        match replayable(row, force) {
            Ok(()) => plan.to_replay.push(row.id),
            Err(skipped) => *plan.skipped.entry(skipped).or_default() += 1,
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn row(id: i64, outcome: Outcome, status_code: i64, body: Option<&str>) -> JournalRow {
        JournalRow {
            id,
            at: Utc::now(),
            request_id: None,
            event_type: Some("order.created".to_owned()),
            original_order_id: None,
            outcome,
            status_code,
            duration_ms: 1,
            detail: String::new(),
            body: body.map(str::to_owned),
            replay_of: None,
        }
    }

    #[test]
    fn a_plan_puts_through_refused_requests_and_says_why_it_skips_the_others() {
        let rows = [
            row(1, Outcome::Invalid, 400, Some("{}")),
            row(2, Outcome::NotFound, 404, Some("{}")),
            row(3, Outcome::Applied, 200, Some("{}")),
            row(4, Outcome::Invalid, 413, None),
            row(5, Outcome::Operator, 303, None),
            row(6, Outcome::Unavailable, 503, Some("{}")),
        ];
        let plan = plan(&rows, false);
        assert_eq!(plan.matched, 6);
        assert_eq!(plan.to_replay, [1, 2, 6]);
        assert_eq!(
            plan.skipped.into_iter().collect::<Vec<_>>(),
            [
                (Skipped::NoBody, 1),
                (Skipped::NotARequest, 1),
                (Skipped::AnsweredOk, 1)
            ]
        );
        let forced = super::plan(&rows, true);
        assert_eq!(forced.to_replay, [1, 2, 3, 6]);
    }
}
