//! Weighed quantities and prices kept and written off exactly, never through a float.

use super::*;

#[test]
fn weighted_quantities_are_kept_and_written_off_exactly() {
    let world = World::new();
    let mut snapshot = created_snapshot();
    let weighed_cheese = position(
        "2000000054321",
        "Сыр Маасдам, весовой",
        "0.375",
        Some("375"),
        "1200.00",
        "1100.00",
        "450.00",
        "412.50",
    );
    snapshot.lines = Some(vec![apples(), weighed_cheese]);
    let (decision, doc) = step(None, &created_with(snapshot), &world.ctx());
    assert_eq!(line(&doc, APPLES).quantity.to_string(), "1.5");
    assert_eq!(line(&doc, "2000000054321").quantity.to_string(), "0.375");
    let text = notice_text(&decision);
    assert!(
        text.contains("— 1.5 кг") && text.contains("— 0.375 кг"),
        "{text}"
    );

    let (decision, _) = step(Some(&doc), &received(), &world.ctx());
    let written: Vec<String> = decision
        .stock_moves
        .iter()
        .map(|m| format!("{}={}", m.sku, m.quantity))
        .collect();
    assert_eq!(written, vec!["2000000012345=1.5", "2000000054321=0.375"]);
}

#[test]
fn decimal_prices_are_kept_exactly() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, next) = step(
        Some(&doc),
        &changed(|s| {
            s.lines = Some(vec![
                milk(),
                apples(),
                with_prices(bread(), "189.99", "179.99"),
            ]);
            s.totals = Some(totals("594.82", "574.82"));
        }),
        &world.ctx(),
    );
    assert_eq!(line(&next, BREAD).price.unwrap().to_string(), "189.99");
    assert_eq!(line(&next, BREAD).discount_price, Some(d("179.99")));
    assert_eq!(line(&next, APPLES).price.unwrap().to_string(), "149.90");
    assert_eq!(
        next.totals.discount_total_price.unwrap().to_string(),
        "574.82"
    );
    let text = notice_text(&decision);
    assert!(
        text.contains("189.99 ₽") && text.contains("179.99 ₽"),
        "{text}"
    );

    let (_, paid_doc) = step(Some(&next), &fixture_paid(), &world.ctx());
    assert_eq!(paid_doc.total().unwrap().to_string(), "468.47");
    assert_eq!(
        line(&paid_doc, MILK).discount_price.unwrap().to_string(),
        "74.99"
    );
}
