//! The marketplace repeats every event; a repeat changes nothing.

use crate::runner::run;
use crate::support::*;
use orders_hook::domain::Outcome;
use orders_hook::on_both_backends;
use orders_hook::store::{JournalFilter, OrderKey, Store};
use std::sync::Arc;

on_both_backends!(run => repeats_change_nothing);

async fn repeats_change_nothing(store: Arc<dyn Store>) {
    let store = &*store;
    ten_of_each(store).await;
    const CANCELLED: &str = "R-CANCELLED";
    let bodies = [
        fixture_text("order.created"),
        fixture_text("order.updated"),
        fixture_text("order.paid"),
        fixture_text("order.received"),
        fixture_text("order.delivered"),
        about("order.created", CANCELLED, None),
        about("order.canceled", CANCELLED, None),
    ];
    let watched = [ORDER, CANCELLED];
    for (i, body) in bodies.iter().enumerate() {
        let minute = i64::try_from(i).unwrap() * 10;
        let first = send(store, body, at(minute)).await;
        assert_eq!(first.decision.outcome, Outcome::Applied, "first {body}");
        let before = footprint(store, &watched).await;
        let journaled = journal_len(store).await;

        // The retry comes later: the answer must be the stored one, not a new one.
        let again = send(store, body, at(minute + 1)).await;
        assert_eq!(
            again.decision.answer, first.decision.answer,
            "answer to {body}"
        );
        assert_eq!(
            again.decision.outcome,
            Outcome::Duplicate,
            "repeat of {body}"
        );
        assert!(again.decision.stock_moves.is_empty() && again.decision.notices.is_empty());
        assert_eq!(
            footprint(store, &watched).await,
            before,
            "a repeat changed something: {body}"
        );
        let journal = store
            .journal(&JournalFilter {
                order_id: None,
                limit: Some(1),
            })
            .await
            .expect("journal");
        assert_eq!(
            journal_len(store).await,
            journaled + 1,
            "a repeat is journaled"
        );
        assert_eq!(journal[0].outcome, "duplicate");
        assert_eq!(journal[0].status_code, 200);
    }

    let (number, promised) = created(&send(store, &bodies[0], at(300)).await);
    assert_eq!((number.as_str(), promised), ("SM-000001", at(30)));
    assert_eq!(
        balances(store, STORE).await,
        expect_balances(&[(APPLES, "10"), (BREAD, "9"), (CHEESE, "9"), (MILK, "7")])
    );
    let mut expected = both_chats("created");
    expected.extend(both_chats("changed"));
    assert_eq!(kinds(&outbox_of(store, ORDER).await), expected);
    let mut expected = both_chats("created");
    expected.extend(both_chats("cancelled"));
    assert_eq!(kinds(&outbox_of(store, CANCELLED).await), expected);
    assert_eq!(
        order(store, OrderKey::Id(CANCELLED))
            .await
            .document
            .number
            .as_deref(),
        Some("SM-000002")
    );
}
