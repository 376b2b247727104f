//! `order.changed`: one notice listing the differences, stale and locked changes, absent and
//! empty fields.

use super::*;

#[test]
fn changed_unknown_order_is_not_found() {
    let world = World::new();
    let decision = apply(None, &fixture_update(), &world.ctx());
    assert_eq!(decision.answer, Answer::NotFound);
    assert_eq!(decision.answer.status_code(), 404);
    assert_eq!(decision.outcome, Outcome::NotFound);
    assert_nothing_done(&decision);
}

#[test]
fn repeated_change_is_duplicate_without_notice() {
    let world = World::new();
    let doc = through(&world, &[fixture_update()]);
    let repeat = apply(Some(&doc), &fixture_update(), &world.ctx_at(later(), None));
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert_eq!(repeat.answer, Answer::Ok);
    assert_nothing_done(&repeat);
}

#[test]
fn change_identical_to_the_creation_is_duplicate() {
    let world = World::new();
    let doc = created_doc(&world);
    let decision = apply(Some(&doc), &changed(|_| {}), &world.ctx());
    assert_eq!(decision.outcome, Outcome::Duplicate);
    assert_nothing_done(&decision);
}

#[test]
fn change_adding_a_line_notifies_only_the_addition() {
    let (item, text, doc) = only_difference(changed(|s| {
        s.lines = Some(vec![milk(), apples(), bread(), cheese()]);
    }));
    assert!(item.starts_with("➕"), "{item}");
    assert!(item.contains("Сыр Российский 200 г — 1 шт"), "{item}");
    assert!(!text.contains("Молоко") && !text.contains("Яблоки") && !text.contains("Хлеб"));
    assert_eq!(doc.lines.len(), 4);
    assert_eq!(line(&doc, CHEESE).quantity, d("1"));
}

#[test]
fn change_removing_a_line_notifies_only_the_removal() {
    let (item, text, doc) = only_difference(changed(|s| {
        s.lines = Some(vec![milk(), bread()]);
    }));
    assert!(item.starts_with("➖"), "{item}");
    assert!(item.contains("Яблоки Гала, весовые"), "{item}");
    assert!(!text.contains("Молоко") && !text.contains("Хлеб"));
    assert!(doc.line(&sku(APPLES)).is_none());
    assert_eq!(doc.lines.len(), 2);
}

#[test]
fn change_of_a_quantity_notifies_only_that_line() {
    let (item, text, doc) = only_difference(changed(|s| {
        s.lines = Some(vec![with_quantity(milk(), "3"), apples(), bread()]);
    }));
    assert!(item.starts_with("🔢"), "{item}");
    assert!(item.contains("Молоко 3,2% 930 мл"), "{item}");
    assert!(item.contains("2 шт → 3 шт"), "{item}");
    assert!(!text.contains("Яблоки") && !text.contains("Хлеб"));
    assert_eq!(line(&doc, MILK).quantity, d("3"));
    assert_eq!(line(&doc, MILK).original_quantity, d("2"));
}

#[test]
fn change_of_a_price_notifies_only_that_line() {
    let (item, text, doc) = only_difference(changed(|s| {
        s.lines = Some(vec![
            milk(),
            apples(),
            with_prices(bread(), "54.50", "49.90"),
        ]);
    }));
    assert!(item.starts_with("💰"), "{item}");
    assert!(item.contains("Хлеб Бородинский 400 г"), "{item}");
    assert!(
        item.contains("54.50 ₽") && item.contains("49.90 ₽"),
        "{item}"
    );
    assert!(!text.contains("Молоко") && !text.contains("Яблоки"));
    assert_eq!(line(&doc, BREAD).discount_price, Some(d("49.90")));
}

#[test]
fn change_of_the_delivery_window_is_notified() {
    let (item, _, doc) = only_difference(changed(|s| {
        s.delivery_from = Some(Some(local("2026-11-23T15:00:00+03:00")));
        s.delivery_to = Some(Some(local("2026-11-23T16:00:00+03:00")));
    }));
    assert!(item.starts_with("🕒"), "{item}");
    assert!(
        item.contains("23.11.2026 14:00–15:00 → 23.11.2026 15:00–16:00"),
        "{item}"
    );
    assert_eq!(
        doc.header.delivery_from,
        Some(local("2026-11-23T15:00:00+03:00"))
    );
}

/// The fixture's window, stamped in UTC as some marketplace clients send it.
fn utc_window(s: &mut Snapshot) {
    s.delivery_from = Some(Some(local("2026-11-23T09:00:00+00:00")));
    s.delivery_to = Some(Some(local("2026-11-23T11:00:00+00:00")));
}

/// Store 77-001 in Yekaterinburg (UTC+5) rather than in the chain's Moscow (UTC+3).
fn world_in_yekaterinburg() -> World {
    let mut world = World::new();
    world.routing.stores.get_mut(STORE).unwrap().timezone = Some(chrono_tz::Asia::Yekaterinburg);
    world
}

#[test]
fn the_delivery_window_is_shown_on_the_stores_clock() {
    let mut snapshot = created_snapshot();
    utc_window(&mut snapshot);
    let world = world_in_yekaterinburg();
    let text = notice_text(&apply(None, &created_with(snapshot.clone()), &world.ctx()));
    assert!(
        text.contains("Доставка: 23.11.2026 14:00–16:00\n"),
        "{text}"
    );

    let world = World::new();
    let text = notice_text(&apply(None, &created_with(snapshot), &world.ctx()));
    assert!(
        text.contains("Доставка: 23.11.2026 12:00–14:00\n"),
        "no zone of its own: Moscow\n{text}"
    );
}

#[test]
fn a_changed_delivery_window_is_shown_on_the_stores_clock() {
    let world = world_in_yekaterinburg();
    let doc = created_doc(&world);
    let (decision, _) = step(Some(&doc), &changed(utc_window), &world.ctx());
    let items = change_items(&notice_text(&decision));
    assert_eq!(
        items,
        vec!["🕒 Доставка: 23.11.2026 16:00–17:00 → 23.11.2026 14:00–16:00"]
    );
}

#[test]
fn change_of_the_address_is_notified() {
    let new_address = "Москва, ул. Лесная, д. 7, кв. 3";
    let (item, _, doc) = only_difference(changed(|s| {
        s.address = Some(Some(new_address.to_owned()));
    }));
    assert!(item.starts_with("📍"), "{item}");
    assert!(
        item.contains(ADDRESS) && item.contains(new_address),
        "{item}"
    );
    assert_eq!(doc.header.address.as_deref(), Some(new_address));
}

#[test]
fn change_of_the_comment_is_notified() {
    let (item, _, doc) = only_difference(changed(|s| {
        s.comment = Some(Some("Оставить у двери".to_owned()));
    }));
    assert!(item.starts_with("💬"), "{item}");
    assert!(
        item.contains(COMMENT) && item.contains("Оставить у двери"),
        "{item}"
    );
    assert_eq!(doc.header.comment.as_deref(), Some("Оставить у двери"));
}

#[test]
fn change_of_the_replacement_policy_is_notified() {
    let (item, _, doc) = only_difference(changed(|s| {
        s.replacement_policy = Some(Some("callOrReplace".into()));
    }));
    assert!(item.starts_with("🔁"), "{item}");
    assert!(
        item.contains("убрать товар") && item.contains("заменить товар"),
        "{item}"
    );
    assert_eq!(
        doc.header.replacement_policy.as_deref(),
        Some("callOrReplace")
    );
}

#[test]
fn fixture_update_lists_every_difference_in_one_notice_per_chat() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, next) = step(Some(&doc), &fixture_update(), &world.ctx());
    assert_eq!(chats(&decision), vec![STORE_CHAT, PICKERS_CHAT]);
    assert!(
        decision
            .notices
            .iter()
            .all(|n| n.kind == NoticeKind::Changed)
    );
    assert!(decision.notices.iter().all(|n| n.dedup_key == "changed:2"));
    let text = notice_text(&decision);
    assert!(text.contains("SM-000007") && text.contains(ORDER), "{text}");
    let items = change_items(&text);
    assert_eq!(items.len(), 4, "{text}");
    assert!(
        items
            .iter()
            .any(|i| i.starts_with("🔢") && i.contains("Молоко"))
    );
    assert!(
        items
            .iter()
            .any(|i| i.starts_with("➕") && i.contains("Сыр"))
    );
    assert!(
        items
            .iter()
            .any(|i| i.starts_with("➖") && i.contains("Яблоки"))
    );
    assert!(items.iter().any(|i| i.starts_with("🕒")));
    assert!(
        !text.contains("Хлеб"),
        "the unchanged line is not mentioned:\n{text}"
    );
    assert_eq!(next.status(), Status::New);
    assert_eq!(next.totals, totals("543.47", "493.47"));
    assert_eq!(next.composition_as_of, Some(utc(CHANGED_AT)));
    assert_eq!(decision.history.len(), 1);
    assert_eq!(decision.history[0].event, "order.changed");
}

#[test]
fn each_applied_change_gets_its_own_dedup_key() {
    let world = World::new();
    let doc = created_doc(&world);
    let (first, doc) = step(
        Some(&doc),
        &changed(|s| s.comment = Some(Some("Первый".to_owned()))),
        &world.ctx(),
    );
    let (second, _) = step(
        Some(&doc),
        &changed(|s| s.comment = Some(Some("Второй".to_owned()))),
        &world.ctx(),
    );
    assert_eq!(first.notices[0].dedup_key, "changed:2");
    assert_eq!(second.notices[0].dedup_key, "changed:3");
}

#[test]
fn change_of_details_the_store_does_not_need_is_saved_without_notice() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, next) = step(
        Some(&doc),
        &changed(|s| s.customer_phone = Some(Some("+79160000000".to_owned()))),
        &world.ctx(),
    );
    assert!(decision.notices.is_empty());
    assert_eq!(next.header.customer_phone.as_deref(), Some("+79160000000"));
}

#[test]
fn change_of_a_paid_order_is_ignored_with_a_warning() {
    let world = World::new();
    let doc = through(&world, &[fixture_paid()]);
    let decision = apply(Some(&doc), &fixture_update(), &world.ctx());
    assert_eq!(decision.outcome, Outcome::Ignored);
    assert_eq!(decision.answer, Answer::Ok);
    assert!(!decision.warnings.is_empty(), "a warning for the log");
    assert_nothing_done(&decision);
}

#[test]
fn change_of_a_cancelled_order_is_ignored() {
    let world = World::new();
    let doc = through(&world, &[cancelled()]);
    let decision = apply(Some(&doc), &fixture_update(), &world.ctx());
    assert_eq!(decision.outcome, Outcome::Ignored);
    assert_nothing_done(&decision);
}

#[test]
fn change_stamped_before_the_creation_is_stale() {
    let world = World::new();
    let doc = created_doc(&world);
    let stale = changed_at(Some("2026-11-23T12:30:00+03:00"), |s| {
        s.comment = Some(Some("Старый".to_owned()));
    });
    let decision = apply(Some(&doc), &stale, &world.ctx());
    assert_eq!(decision.outcome, Outcome::Stale);
    assert_eq!(decision.answer, Answer::Ok);
    assert_nothing_done(&decision);
}

#[test]
fn change_stamped_before_the_last_applied_change_is_stale() {
    let world = World::new();
    let doc = through(&world, &[fixture_update()]);
    let stale = changed_at(Some("2026-11-23T12:50:00+03:00"), |s| {
        s.lines = Some(vec![milk()]);
    });
    let decision = apply(Some(&doc), &stale, &world.ctx());
    assert_eq!(decision.outcome, Outcome::Stale);
    assert_nothing_done(&decision);
}

#[test]
fn change_stamped_as_the_last_composition_is_not_stale() {
    let world = World::new();
    let doc = created_doc(&world);
    let same_second = changed_at(Some(CREATED_AT), |s| {
        s.comment = Some(Some("Оставить у двери".to_owned()));
    });
    step(Some(&doc), &same_second, &world.ctx());
}

#[test]
fn change_without_a_timestamp_is_applied_and_keeps_the_last_stamp() {
    let world = World::new();
    let doc = through(&world, &[fixture_update()]);
    let unstamped = changed_at(None, |s| {
        s.lines = Some(vec![milk()]);
    });
    let (decision, next) = step(Some(&doc), &unstamped, &world.ctx());
    assert_eq!(decision.notices.len(), 2);
    assert_eq!(next.lines.len(), 1);
    assert_eq!(next.composition_as_of, Some(utc(CHANGED_AT)));
}

#[test]
fn change_leaving_fields_out_keeps_the_documents_values() {
    let world = World::new();
    let doc = created_doc(&world);
    let partial = event(
        EventBody::Changed(Snapshot {
            reference: Reference::default(),
            comment: Some(Some("Оставить у двери".to_owned())),
            ..Snapshot::default()
        }),
        Some(CHANGED_AT),
    );
    let (decision, next) = step(Some(&doc), &partial, &world.ctx());
    assert_eq!(next.header.comment.as_deref(), Some("Оставить у двери"));
    assert_eq!(next.header.address.as_deref(), Some(ADDRESS));
    assert_eq!(next.header.customer_name.as_deref(), Some("Анна Смирнова"));
    assert_eq!(next.header.delivery_from, doc.header.delivery_from);
    assert_eq!(
        next.header.replacement_policy.as_deref(),
        Some("callOrRemove")
    );
    assert_eq!(next.lines, doc.lines);
    assert_eq!(next.totals, doc.totals);
    assert_eq!(next.payment_methods, doc.payment_methods);
    assert_eq!(next.store_id, Some(store_id()));
    assert_eq!(next.order_uuid.as_deref(), Some(UUID));
    assert_eq!(change_items(&notice_text(&decision)).len(), 1);
}

#[test]
fn change_sending_a_field_empty_clears_it() {
    let (item, _, doc) = only_difference(changed(|s| s.comment = Some(None)));
    assert_eq!(doc.header.comment, None);
    assert!(item.starts_with("💬"), "{item}");
    assert!(item.contains(&format!("{COMMENT} → —")), "{item}");
}
