//! `order.received` and `order.delivered`: the goods leave the store once, written off from the
//! document's store.

use super::*;

#[test]
fn received_unknown_order_is_not_found() {
    let world = World::new();
    for event in [received(), delivered()] {
        let decision = apply(None, &event, &world.ctx());
        assert_eq!(
            decision.answer,
            Answer::NotFound,
            "{}",
            event.kind().as_str()
        );
        assert_eq!(decision.outcome, Outcome::NotFound);
        assert_nothing_done(&decision);
    }
}

#[test]
fn received_ships_once_writing_off_every_line_from_the_documents_store() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, next) = step(Some(&doc), &received(), &world.ctx());
    assert_eq!(
        moves(&decision),
        vec![
            move_of(MILK, "2"),
            move_of(APPLES, "1.5"),
            move_of(BREAD, "1"),
        ]
    );
    assert!(next.shipped && next.locked() && !next.delivered);
    assert_eq!(next.shipped_at, Some(now()));
    assert_eq!(next.status(), Status::Shipped);
    assert_eq!(decision.answer, Answer::Ok);
    assert!(decision.notices.is_empty());
}

#[test]
fn received_takes_the_store_from_the_document_not_the_event() {
    let world = World::new();
    let doc = created_doc(&world);
    let other_store = event(
        EventBody::Received(Reference {
            order_uuid: None,
            store_id: Some(StoreId::parse("99-999").unwrap()),
        }),
        Some(RECEIVED_AT),
    );
    let (decision, next) = step(Some(&doc), &other_store, &world.ctx());
    assert!(
        decision
            .stock_moves
            .iter()
            .all(|m| m.store_id == store_id())
    );
    assert_eq!(next.store_id, Some(store_id()));
}

#[test]
fn received_writes_off_the_paid_composition() {
    let world = World::new();
    let doc = through(&world, &[fixture_update(), fixture_paid()]);
    let (decision, _) = step(Some(&doc), &received(), &world.ctx());
    assert_eq!(
        moves(&decision),
        vec![
            move_of(MILK, "3"),
            move_of(BREAD, "1"),
            move_of(CHEESE, "1")
        ]
    );
}

#[test]
fn repeated_received_is_duplicate_and_writes_nothing_off() {
    let world = World::new();
    let doc = through(&world, &[received()]);
    let repeat = apply(Some(&doc), &received(), &world.ctx_at(later(), None));
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert_eq!(repeat.answer, Answer::Ok);
    assert_nothing_done(&repeat);
}

#[test]
fn received_does_not_write_off_lines_of_zero_quantity() {
    let world = World::new();
    let doc = through(
        &world,
        &[changed(|s| {
            s.lines = Some(vec![milk(), with_quantity(apples(), "0"), bread()]);
        })],
    );
    let (decision, _) = step(Some(&doc), &received(), &world.ctx());
    assert_eq!(
        moves(&decision),
        vec![move_of(MILK, "2"), move_of(BREAD, "1")]
    );
}

#[test]
fn received_on_a_cancelled_order_is_ignored_without_write_off() {
    let world = World::new();
    let doc = through(&world, &[cancelled()]);
    for event in [received(), delivered()] {
        let decision = apply(Some(&doc), &event, &world.ctx());
        assert_eq!(
            decision.outcome,
            Outcome::Ignored,
            "{}",
            event.kind().as_str()
        );
        assert_eq!(decision.answer, Answer::Ok);
        assert_nothing_done(&decision);
    }
}

#[test]
fn delivered_without_received_ships_first_then_marks_delivered() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, next) = step(Some(&doc), &delivered(), &world.ctx());
    assert_eq!(
        moves(&decision),
        vec![
            move_of(MILK, "2"),
            move_of(APPLES, "1.5"),
            move_of(BREAD, "1"),
        ]
    );
    assert!(next.shipped && next.delivered && next.locked());
    assert_eq!(next.shipped_at, Some(now()));
    assert_eq!(next.delivered_at, Some(now()));
    assert_eq!(next.status(), Status::Delivered);
}

#[test]
fn delivered_after_received_writes_nothing_off() {
    let world = World::new();
    let doc = through(&world, &[received()]);
    let (decision, next) = step(Some(&doc), &delivered(), &world.ctx_at(later(), None));
    assert!(decision.stock_moves.is_empty());
    assert!(next.delivered && next.shipped);
    assert_eq!(next.shipped_at, doc.shipped_at, "shipment time kept");
    assert_eq!(next.delivered_at, Some(later()));
    assert_eq!(next.status(), Status::Delivered);
}

#[test]
fn repeated_delivered_is_duplicate() {
    let world = World::new();
    let doc = through(&world, &[delivered()]);
    let repeat = apply(Some(&doc), &delivered(), &world.ctx_at(later(), None));
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert_eq!(repeat.answer, Answer::Ok);
    assert_nothing_done(&repeat);
}

#[test]
fn received_after_delivered_is_duplicate() {
    let world = World::new();
    let doc = through(&world, &[delivered()]);
    let late = apply(Some(&doc), &received(), &world.ctx_at(later(), None));
    assert_eq!(late.outcome, Outcome::Duplicate);
    assert_nothing_done(&late);
}

#[test]
fn the_fixture_lifecycle_moves_through_every_status() {
    let world = World::new();
    let mut doc = created_doc(&world);
    assert_eq!(doc.status(), Status::New);
    let mut written_off = Vec::new();
    for (event, status) in [
        (fixture_update(), Status::New),
        (fixture_paid(), Status::Paid),
        (received(), Status::Shipped),
        (delivered(), Status::Delivered),
    ] {
        let (decision, next) = step(Some(&doc), &event, &world.ctx());
        assert_eq!(next.status(), status, "after {}", event.kind().as_str());
        assert!(next.revision > doc.revision);
        written_off.extend(moves(&decision));
        doc = next;
    }
    assert_eq!(
        written_off,
        vec![
            move_of(MILK, "3"),
            move_of(BREAD, "1"),
            move_of(CHEESE, "1")
        ],
        "written off exactly once"
    );
    assert_eq!(doc.number.as_deref(), Some("SM-000007"));
}
