//! The store's picking of an order through `actions::picking`: each tap and its journal row in
//! one transaction, a tap on another store's order refused unjournaled, the board reading who
//! picks, the day's facts counted, and two pickers taking one order at once on two instances:
//! exactly one wins, the other is told who has it.

use crate::runner::{run, run_twins};
use crate::support::*;
use orders_hook::actions::Actor;
use orders_hook::actions::picking::{Tapped, tap};
use orders_hook::domain::{OrderId, PickerName, PickingAction, PickingRefusal, Status};
use orders_hook::on_both_backends;
use orders_hook::store::{JournalFilter, Store};
use std::sync::Arc;

on_both_backends!(run => a_picker_takes_finishes_and_every_tap_is_journaled_with_who);
on_both_backends!(run => a_cancelled_order_keeps_its_picker_until_it_is_put_back);
on_both_backends!(run_twins => two_pickers_taking_one_order_at_once_one_wins);

fn picker(name: &str) -> PickerName {
    PickerName::parse(name).unwrap()
}

fn actor(name: &str) -> Actor {
    Actor::console(name, format!("store:{STORE}"), "0123456789abcdef0123")
}

fn order_id() -> OrderId {
    OrderId::parse(ORDER).unwrap()
}

async fn tapped(store: &dyn Store, store_id: &str, action: PickingAction, minute: i64) -> Tapped {
    tap(
        store,
        store_id,
        &order_id(),
        &action,
        &actor("Лесная, 5"),
        at(minute),
    )
    .await
    .expect("the tap's transaction")
}

async fn a_picker_takes_finishes_and_every_tap_is_journaled_with_who(store: Arc<dyn Store>) {
    let store = &*store;
    send(store, &fixture_text("order.created"), at(0)).await;
    let journaled = journal_len(store).await;

    let Tapped::Done { decision, number } =
        tapped(store, STORE, PickingAction::Take(picker("Анна")), 1).await
    else {
        panic!("taken");
    };
    assert!(decision.changed);
    assert!(
        number.is_some_and(|number| number.ends_with("000001")),
        "the partner number"
    );
    let board = store.board(STORE, at(0)).await.expect("board");
    assert_eq!(board[0].picking.picker, Some(picker("Анна")));
    assert_eq!(board[0].picking.started_at, Some(at(1)));
    assert!(
        board[0].picking.due_at.is_some(),
        "the promise it is judged by"
    );
    // Waiting untaken: none now.
    let facts = store
        .picking_facts(Some(STORE), at(0))
        .await
        .expect("facts");
    assert!(
        facts.untaken.is_empty() && facts.assembled.is_empty(),
        "{facts:?}"
    );

    // Another store's board cannot touch it, and leaves no trace.
    assert_eq!(
        tapped(store, OTHER_STORE, PickingAction::PutBack, 2).await,
        Tapped::NotFound
    );
    assert_eq!(
        tapped(store, STORE, PickingAction::Take(picker("Иван")), 2).await,
        Tapped::Refused(PickingRefusal::TakenBy {
            picker: picker("Анна"),
            since: Some(at(1))
        })
    );
    let done = tapped(store, STORE, PickingAction::Finish(picker("Анна")), 20).await;
    assert!(matches!(done, Tapped::Done { ref decision, .. } if decision.changed));
    let facts = store.picking_facts(None, at(0)).await.expect("facts");
    assert_eq!(facts.assembled.len(), 1);
    assert_eq!(facts.assembled[0].store_id, STORE);
    assert_eq!(
        facts.assembled[0].finished_at - facts.assembled[0].started_at,
        at(20) - at(1)
    );
    assert!(
        store
            .picking_facts(Some(OTHER_STORE), at(0))
            .await
            .unwrap()
            .assembled
            .is_empty()
    );

    let rows = store
        .journal(&JournalFilter {
            order_id: Some(ORDER.to_owned()),
            limit: None,
        })
        .await
        .expect("journal");
    let taps: Vec<_> = rows
        .iter()
        .filter(|row| row.outcome == orders_hook::domain::Outcome::Operator)
        .collect();
    assert_eq!(taps.len(), 3, "take, the refused take, finish: {rows:?}");
    assert_eq!(
        journal_len(store).await,
        journaled + 3,
        "nothing for the other store's tap"
    );
    let refused = taps
        .iter()
        .find(|row| row.status_code == 409)
        .expect("the refused take");
    assert_eq!(refused.event_type.as_deref(), Some("console.picking.take"));
    assert!(refused.detail.contains("Анна has it"), "{}", refused.detail);
    assert!(
        refused.detail.contains("session 0123456789ab"),
        "{}",
        refused.detail
    );
    assert!(
        !refused.detail.contains("0123456789abcdef0123"),
        "only a mark of the session"
    );
}

async fn a_cancelled_order_keeps_its_picker_until_it_is_put_back(store: Arc<dyn Store>) {
    let store = &*store;
    send(store, &fixture_text("order.created"), at(0)).await;
    let facts = store
        .picking_facts(Some(STORE), at(0))
        .await
        .expect("facts");
    assert_eq!(facts.untaken.len(), 1, "waiting untaken since it came in");
    assert_eq!(facts.untaken[0].since, at(0));

    tapped(store, STORE, PickingAction::Take(picker("Анна")), 1).await;
    send(store, &fixture_text("order.canceled"), at(5)).await;
    let board = store.board(STORE, at(0)).await.expect("board");
    assert_eq!(board[0].document.status(), Status::Cancelled);
    assert_eq!(
        board[0].picking.picker,
        Some(picker("Анна")),
        "the alarm names her"
    );
    assert_eq!(
        tapped(store, STORE, PickingAction::Finish(picker("Анна")), 6).await,
        Tapped::Refused(PickingRefusal::OrderClosed(Status::Cancelled))
    );
    let back = tapped(store, STORE, PickingAction::PutBack, 7).await;
    assert!(matches!(back, Tapped::Done { ref decision, .. } if decision.picking.untaken()));
    let board = store.board(STORE, at(0)).await.expect("board");
    assert!(board[0].picking.untaken());
    let facts = store
        .picking_facts(Some(STORE), at(0))
        .await
        .expect("facts");
    assert!(
        facts.untaken.is_empty(),
        "a cancelled order waits for nobody"
    );
}

async fn two_pickers_taking_one_order_at_once_one_wins(
    first: Arc<dyn Store>,
    second: Arc<dyn Store>,
) {
    send(&*first, &fixture_text("order.created"), at(0)).await;
    for round in 0..8 {
        let (a, b) = tokio::join!(
            tapped(
                &*first,
                STORE,
                PickingAction::Take(picker("Анна")),
                1 + round
            ),
            tapped(
                &*second,
                STORE,
                PickingAction::Take(picker("Иван")),
                1 + round
            ),
        );
        let (winner, told) = match (&a, &b) {
            (Tapped::Done { .. }, Tapped::Refused(refusal)) => ("Анна", refusal.clone()),
            (Tapped::Refused(refusal), Tapped::Done { .. }) => ("Иван", refusal.clone()),
            other => panic!("exactly one wins: {other:?}"),
        };
        assert!(
            matches!(told, PickingRefusal::TakenBy { ref picker, .. } if picker.as_str() == winner),
            "the other is told who has it: {told:?}"
        );
        let board = second.board(STORE, at(0)).await.expect("board");
        assert_eq!(board[0].picking.picker, Some(picker(winner)));
        tapped(&*first, STORE, PickingAction::PutBack, 1 + round).await;
    }
}
