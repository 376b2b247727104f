//! `order.paid`: payment locks the order and the paid positions become the composition.

use super::*;

#[test]
fn paid_unknown_order_is_not_found() {
    let world = World::new();
    let decision = apply(None, &fixture_paid(), &world.ctx());
    assert_eq!(decision.answer, Answer::NotFound);
    assert_eq!(decision.outcome, Outcome::NotFound);
    assert_nothing_done(&decision);
}

#[test]
fn paid_marks_paid_locks_and_corrects_prices_and_totals() {
    let world = World::new();
    let doc = created_doc(&world);
    let payment = paid(
        Some(vec![
            paid_position(MILK, "2", "89.99", "74.99"),
            paid_position(APPLES, "1.5", "149.90", "139.90"),
            paid_position(BREAD, "1", "54.50", "54.50"),
        ]),
        Some(totals("459.33", "409.33")),
    );
    let (decision, next) = step(Some(&doc), &payment, &world.ctx());
    assert_eq!(decision.answer, Answer::Ok);
    assert!(next.paid && next.locked());
    assert_eq!(next.paid_at, Some(now()));
    assert_eq!(next.status(), Status::Paid);
    assert_eq!(line(&next, MILK).discount_price, Some(d("74.99")));
    assert_eq!(line(&next, APPLES).discount_price, Some(d("139.90")));
    assert_eq!(line(&next, MILK).quantity, d("2"));
    assert_eq!(
        line(&next, MILK).name.as_deref(),
        Some("Молоко 3,2% 930 мл")
    );
    assert_eq!(next.totals, totals("459.33", "409.33"));
    assert_eq!(next.total(), Some(d("409.33")));
    assert!(decision.notices.is_empty(), "no notice: picking is over");
    assert!(decision.stock_moves.is_empty());
}

#[test]
fn paid_positions_become_the_final_composition_with_a_history_note_per_difference() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, next) = step(Some(&doc), &fixture_paid(), &world.ctx());
    let skus: Vec<&str> = next.lines.iter().map(|l| l.sku.as_str()).collect();
    assert_eq!(
        skus,
        vec![MILK, BREAD, CHEESE],
        "apples removed, cheese added"
    );
    assert_eq!(line(&next, MILK).quantity, d("3"));
    assert_eq!(
        line(&next, MILK).original_quantity,
        d("2"),
        "ordered quantity kept"
    );
    assert_eq!(line(&next, MILK).discount_price, Some(d("74.99")));
    assert_eq!(line(&next, CHEESE).quantity, d("1"));
    assert_eq!(line(&next, CHEESE).discount_price, Some(d("189.00")));
    assert_eq!(next.totals, totals("543.47", "468.47"));

    assert!(decision.history.iter().all(|n| n.event == "order.paid"));
    assert!(
        decision
            .history
            .iter()
            .all(|n| n.outcome == Outcome::Applied)
    );
    let details: Vec<&str> = decision.history.iter().map(|n| n.detail.as_str()).collect();
    // One note for the payment itself, one per difference: milk quantity, milk price,
    // cheese added, apples removed.
    assert_eq!(details.len(), 5, "{details:#?}");
    let has = |what: &[&str]| details.iter().any(|d| what.iter().all(|w| d.contains(w)));
    assert!(has(&[MILK, "2", "3"]), "{details:#?}");
    assert!(has(&[MILK, "79.99", "74.99"]), "{details:#?}");
    assert!(has(&[CHEESE, "added"]), "{details:#?}");
    assert!(has(&[APPLES, "removed"]), "{details:#?}");
    assert!(
        !has(&[BREAD]),
        "the unchanged line has no note: {details:#?}"
    );
}

#[test]
fn paid_without_positions_changes_no_line() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, next) = step(Some(&doc), &paid(None, None), &world.ctx());
    assert_eq!(next.lines, doc.lines);
    assert_eq!(next.totals, doc.totals);
    assert!(next.paid && next.locked());
    assert_eq!(decision.history.len(), 1);
}

#[test]
fn paid_with_totals_only_corrects_the_totals_and_no_line() {
    let world = World::new();
    let doc = created_doc(&world);
    let (_, next) = step(
        Some(&doc),
        &paid(None, Some(totals("459.33", "420.00"))),
        &world.ctx(),
    );
    assert_eq!(next.lines, doc.lines);
    assert_eq!(next.totals, totals("459.33", "420.00"));
}

#[test]
fn repeated_paid_is_duplicate() {
    let world = World::new();
    let doc = through(&world, &[fixture_paid()]);
    let repeat = apply(Some(&doc), &fixture_paid(), &world.ctx_at(later(), None));
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert_eq!(repeat.answer, Answer::Ok);
    assert_nothing_done(&repeat);
}

#[test]
fn paid_on_a_cancelled_order_is_ignored() {
    let world = World::new();
    let doc = through(&world, &[cancelled()]);
    let decision = apply(Some(&doc), &fixture_paid(), &world.ctx());
    assert_eq!(decision.outcome, Outcome::Ignored);
    assert_eq!(decision.answer, Answer::Ok);
    assert_nothing_done(&decision);
}

#[test]
fn paid_after_shipment_keeps_the_quantities_written_off_and_corrects_prices() {
    let world = World::new();
    let shipped = through(&world, &[received()]);
    let (decision, next) = step(Some(&shipped), &fixture_paid(), &world.ctx());
    let skus: Vec<&str> = next.lines.iter().map(|l| l.sku.as_str()).collect();
    assert_eq!(
        skus,
        vec![MILK, APPLES, BREAD],
        "composition kept as written off"
    );
    assert_eq!(line(&next, MILK).quantity, d("2"));
    assert_eq!(line(&next, APPLES).quantity, d("1.5"));
    assert_eq!(
        line(&next, MILK).discount_price,
        Some(d("74.99")),
        "prices follow"
    );
    assert!(next.paid && next.shipped && next.locked());
    assert_eq!(next.status(), Status::Shipped);
    assert!(decision.stock_moves.is_empty(), "nothing written off again");
    assert!(decision.notices.is_empty());
}
