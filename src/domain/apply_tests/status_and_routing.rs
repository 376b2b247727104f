//! The derived status, and which chats hear of a store's orders.

use super::*;

#[test]
fn status_precedence_is_cancelled_delivered_shipped_paid_new() {
    let world = World::new();
    let base = created_doc(&world);
    let with = |paid: bool, shipped: bool, delivered: bool, cancelled: bool| {
        let mut doc = base.clone();
        doc.paid = paid;
        doc.shipped = shipped;
        doc.delivered = delivered;
        doc.cancelled = cancelled;
        doc.status()
    };
    assert_eq!(with(false, false, false, false), Status::New);
    assert_eq!(with(true, false, false, false), Status::Paid);
    assert_eq!(with(true, true, false, false), Status::Shipped);
    assert_eq!(with(false, true, false, false), Status::Shipped);
    assert_eq!(with(true, true, true, false), Status::Delivered);
    assert_eq!(with(false, true, true, false), Status::Delivered);
    assert_eq!(with(true, true, true, true), Status::Cancelled);
    assert_eq!(with(false, true, false, true), Status::Cancelled);
    assert_eq!(with(true, false, false, true), Status::Cancelled);
    assert_eq!(with(false, false, false, true), Status::Cancelled);
    for (status, text) in [
        (Status::New, "new"),
        (Status::Paid, "paid"),
        (Status::Shipped, "shipped"),
        (Status::Delivered, "delivered"),
        (Status::Cancelled, "cancelled"),
    ] {
        assert_eq!(status.as_str(), text);
    }
}

#[test]
fn unrouted_store_without_a_default_chat_queues_no_notice_and_warns() {
    let world = World::with_routing(Routing::default());
    let decision = apply(None, &created(), &world.ctx());
    assert_eq!(
        decision.outcome,
        Outcome::Applied,
        "the order is still created"
    );
    assert!(matches!(decision.answer, Answer::Created { .. }));
    assert!(decision.notices.is_empty());
    assert_eq!(decision.warnings.len(), 1, "{:?}", decision.warnings);
    assert!(
        decision.warnings[0].contains(STORE),
        "{:?}",
        decision.warnings
    );
}

#[test]
fn unrouted_store_with_a_default_chat_notifies_it_once() {
    let world = World::with_routing(Routing {
        stores: Default::default(),
        default_chat: Some("-1009".to_owned()),
        ..Routing::default()
    });
    let decision = apply(None, &created(), &world.ctx());
    assert_eq!(chats(&decision), vec!["-1009"]);
    assert_eq!(decision.notices[0].kind, NoticeKind::Created);
    assert_eq!(
        decision.warnings.len(),
        1,
        "still logged: {:?}",
        decision.warnings
    );

    let doc = decision.document.unwrap();
    let (cancel, _) = step(Some(&doc), &cancelled(), &world.ctx());
    assert_eq!(chats(&cancel), vec!["-1009"]);
}

#[test]
fn order_without_a_store_id_goes_to_the_default_chat() {
    let world = World::with_routing(Routing {
        stores: Default::default(),
        default_chat: Some("-1009".to_owned()),
        ..Routing::default()
    });
    let mut snapshot = created_snapshot();
    snapshot.reference.store_id = None;
    let decision = apply(None, &created_with(snapshot), &world.ctx());
    assert_eq!(chats(&decision), vec!["-1009"]);
    assert!(!decision.warnings.is_empty());
}

#[test]
fn received_without_a_store_id_writes_nothing_off_and_warns() {
    let world = World::new();
    let mut snapshot = created_snapshot();
    snapshot.reference.store_id = None;
    let doc = step(None, &created_with(snapshot), &world.ctx()).1;
    let anonymous = event(EventBody::Received(Reference::default()), Some(RECEIVED_AT));
    let (decision, next) = step(Some(&doc), &anonymous, &world.ctx());
    assert!(next.shipped);
    assert!(decision.stock_moves.is_empty());
    assert!(!decision.warnings.is_empty());
}

#[test]
fn catalog_names_and_units_take_the_place_of_the_marketplaces() {
    let mut world = World::new();
    world.catalog.insert(
        sku(APPLES),
        CatalogItem {
            name: "Яблоки Гала (кат.)".to_owned(),
            unit: Some("кг".to_owned()),
            zone: None,
        },
    );
    let text = notice_text(&apply(None, &created(), &world.ctx()));
    assert!(text.contains("Яблоки Гала (кат.) — 1.5 кг"), "{text}");
    assert!(text.contains("Молоко 3,2% 930 мл — 2 шт"), "{text}");
}

#[test]
fn a_line_without_any_name_is_shown_by_its_sku() {
    let world = World::new();
    let mut snapshot = created_snapshot();
    let mut nameless = bread();
    nameless.name = None;
    snapshot.lines = Some(vec![nameless]);
    let text = notice_text(&apply(None, &created_with(snapshot), &world.ctx()));
    assert!(text.contains(&format!("{BREAD} — 1 шт")), "{text}");
}
