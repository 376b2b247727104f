//! The console's sign-in records over their life: a reload that removes console tokens ends the
//! sessions their grants opened (and no others), and a retention round deletes sessions and
//! one-time links a day past their end, keeping a link while a session it opened is still good.

use crate::runner::run;
use crate::support::at;
use chrono::{DateTime, Duration, Utc};
use orders_hook::housekeeping::{Housekeeper, HousekeepingSettings};
use orders_hook::notify::ManualClock;
use orders_hook::on_both_backends;
use orders_hook::store::Store;
use orders_hook::store::console::{NewLink, NewSession};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

on_both_backends!(
    run => a_removed_grant_ends_its_sessions_and_no_others,
    spent_sessions_and_links_go_a_day_past_their_end,
);

/// A session `id` of `role`, opened by `grant` or by link `link`, from `created` until `expires`.
fn session(
    id: &str,
    role: &str,
    grant: Option<&str>,
    link: Option<i64>,
    created: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> NewSession {
    NewSession {
        id_digest: id.to_owned(),
        role: role.to_owned(),
        name: id.to_owned(),
        csrf: "c".repeat(64),
        link_id: link,
        grant_digest: grant.map(str::to_owned),
        created_at: created,
        expires_at: expires,
    }
}

async fn open(store: &dyn Store, session: NewSession) {
    store.open_session(&session).await.expect("a session");
}

async fn is_open(store: &dyn Store, id: &str, now: DateTime<Utc>) -> bool {
    store.session(id, now).await.expect("a lookup").is_some()
}

async fn link(store: &dyn Store, code: &str, created: DateTime<Utc>, lasts: Duration) -> i64 {
    let mut tx = store.begin_action().await.expect("an action");
    let id = tx
        .create_link(&NewLink {
            code_digest: code.to_owned(),
            store_id: "77-001".to_owned(),
            name: "Лесная".to_owned(),
            created_by: "test".to_owned(),
            created_at: created,
            expires_at: created + lasts,
        })
        .await
        .expect("a link");
    tx.commit().await.expect("committed");
    id
}

async fn a_removed_grant_ends_its_sessions_and_no_others(store: Arc<dyn Store>) {
    let now = at(0);
    let later = now + Duration::hours(12);
    let link_id = link(&*store, "code", now, Duration::hours(1)).await;
    for (id, role, grant, link) in [
        ("kept-1", "operator", Some("g-operator"), None),
        ("kept-2", "operator", Some("g-operator"), None),
        ("removed-1", "store:77-001", Some("g-store"), None),
        ("removed-2", "store:77-001", Some("g-store"), None),
        // The same token moved to another role: its old sessions go too.
        ("moved", "store:77-002", Some("g-operator"), None),
        ("by-link", "store:77-001", None, Some(link_id)),
    ] {
        open(&*store, session(id, role, grant, link, now, later)).await;
    }
    // Already signed out: not counted again.
    open(
        &*store,
        session("out", "store:77-001", Some("g-store"), None, now, later),
    )
    .await;
    store.end_session("out", now).await.unwrap();

    let kept = [("g-operator".to_owned(), "operator".to_owned())];
    let ended = store
        .end_sessions_of_removed_grants(&kept, now + Duration::minutes(1))
        .await
        .expect("the sweep");
    assert_eq!(ended, 3);
    let at = now + Duration::minutes(2);
    for (id, open_still) in [
        ("kept-1", true),
        ("kept-2", true),
        ("removed-1", false),
        ("removed-2", false),
        ("moved", false),
        ("by-link", true),
    ] {
        assert_eq!(is_open(&*store, id, at).await, open_still, "{id}");
    }
    // Nothing more to end.
    assert_eq!(
        store
            .end_sessions_of_removed_grants(&kept, at)
            .await
            .unwrap(),
        0
    );
}

async fn spent_sessions_and_links_go_a_day_past_their_end(store: Arc<dyn Store>) {
    let now = at(0) + Duration::days(10);
    let day = Duration::days(1);
    let hour = Duration::hours(1);
    let start = now - Duration::days(5);
    // Links: expired unused three days ago; revoked two days ago; unused and good until
    // tomorrow; used three days ago by a session still good; used three days ago by a session
    // that ran out two days ago.
    link(&*store, "expired", start, Duration::days(2)).await;
    let revoked = link(&*store, "revoked", start, Duration::days(9)).await;
    let fresh = link(&*store, "fresh", now - hour, day).await;
    let in_use = link(&*store, "in-use", start, Duration::days(9)).await;
    let spent = link(&*store, "spent", start, Duration::days(9)).await;
    {
        let mut tx = store.begin_action().await.unwrap();
        assert!(tx.revoke_link(revoked, now - day * 2).await.unwrap());
        tx.commit().await.unwrap();
    }
    for code in ["in-use", "spent"] {
        let used = store.redeem_link(code, now - day * 3).await.unwrap();
        assert!(used.is_some(), "{code} redeemed");
    }
    let sessions = [
        // Ran out two days ago: goes.
        session("ran-out", "operator", Some("g"), None, start, now - day * 2),
        // Ran out an hour ago: within the day's margin, stays.
        session("just-out", "operator", Some("g"), None, start, now - hour),
        // Signed out three days ago though good for longer: goes.
        session("signed-out", "operator", Some("g"), None, start, now + day),
        // Good: stays, and keeps its link.
        session(
            "good",
            "store:77-001",
            None,
            Some(in_use),
            now - day * 3,
            now + day,
        ),
        // Its link's session, run out two days ago: both go.
        session(
            "spent",
            "store:77-001",
            None,
            Some(spent),
            start,
            now - day * 2,
        ),
    ];
    for one in sessions {
        open(&*store, one).await;
    }
    store
        .end_session("signed-out", now - day * 3)
        .await
        .unwrap();

    let settings = HousekeepingSettings {
        journal_retention: None,
        outbox_retention: None,
        batch_rows: 2,
        pause: std::time::Duration::ZERO,
        ..HousekeepingSettings::default()
    };
    let clock = Arc::new(ManualClock::new(now));
    let housekeeper = Housekeeper::new(store.clone(), clock, settings);
    let round = housekeeper
        .run_once(&CancellationToken::new())
        .await
        .expect("a round");
    // Three sessions (ran-out, signed-out, spent) and three links (expired, revoked, spent).
    assert_eq!(round.console_rows, 6, "{round:?}");
    let stats = store.stats().await.unwrap();
    let count = |table: &str| {
        stats
            .tables
            .iter()
            .find(|t| t.table == table)
            .map(|t| t.rows)
    };
    assert_eq!(count("console_sessions"), Some(2), "just-out and good stay");
    let mut left: Vec<i64> = store
        .links()
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.id)
        .collect();
    left.sort();
    assert_eq!(left, [fresh, in_use]);
    assert!(is_open(&*store, "good", now).await);
}
