//! `order.created`: a new numbered document, the answer, the new-order notices; repeats.

use super::*;

#[test]
fn created_unknown_order_saves_a_new_numbered_document() {
    let world = World::new();
    let decision = apply(None, &created(), &world.ctx());
    assert_eq!(decision.outcome, Outcome::Applied);
    let doc = decision.document.expect("the new order is saved");
    assert_eq!(doc.original_order_id, order_id());
    assert_eq!(doc.order_uuid.as_deref(), Some(UUID));
    assert_eq!(doc.store_id, Some(store_id()));
    assert_eq!(doc.number.as_deref(), Some("SM-000007"));
    assert_eq!(doc.status(), Status::New);
    assert!(!doc.locked() && !doc.paid && !doc.shipped && !doc.delivered && !doc.cancelled);
    assert_eq!(doc.header.comment.as_deref(), Some(COMMENT));
    assert_eq!(doc.header.address.as_deref(), Some(ADDRESS));
    assert_eq!(
        doc.header.replacement_policy.as_deref(),
        Some("callOrRemove")
    );
    assert_eq!(doc.payment_methods, vec!["SberGateway".to_owned()]);
    let skus: Vec<&str> = doc.lines.iter().map(|l| l.sku.as_str()).collect();
    assert_eq!(skus, vec![MILK, APPLES, BREAD]);
    assert_eq!(line(&doc, MILK).quantity, d("2"));
    assert_eq!(line(&doc, MILK).original_quantity, d("2"));
    assert_eq!(doc.totals, totals("459.33", "439.33"));
    assert_eq!(doc.created_at, now());
    assert_eq!(doc.composition_as_of, Some(utc(CREATED_AT)));
    assert_eq!(doc.last_payload, created().raw_payload);
}

#[test]
fn created_answers_the_number_and_an_assembly_time_30_minutes_after_now() {
    let world = World::new();
    let decision = apply(None, &created(), &world.ctx());
    let expected = now() + Duration::minutes(30);
    assert_eq!(
        decision.answer,
        Answer::Created {
            number: "SM-000007".to_owned(),
            expected_assembly_time: expected,
        }
    );
    assert_eq!(decision.answer.status_code(), 200);
    let doc = decision.document.unwrap();
    assert_eq!(doc.expected_assembly_time, Some(expected));
}

#[test]
fn created_queues_one_new_order_notice_to_the_store_chat_and_the_pickers_chat() {
    let world = World::new();
    let decision = apply(None, &created(), &world.ctx());
    assert_eq!(decision.notices.len(), 2);
    assert_eq!(chats(&decision), vec![STORE_CHAT, PICKERS_CHAT]);
    for notice in &decision.notices {
        assert_eq!(notice.kind, NoticeKind::Created);
        assert_eq!(notice.dedup_key, "created");
        assert_eq!(notice.order_id, order_id());
    }
    assert!(decision.warnings.is_empty(), "{:?}", decision.warnings);
    assert!(decision.stock_moves.is_empty());
}

#[test]
fn created_notice_names_both_numbers_and_lists_lines_window_comment_and_total() {
    let world = World::new();
    let decision = apply(None, &created(), &world.ctx());
    let text = notice_text(&decision);
    for expected in [
        "SM-000007",
        ORDER,
        "Молоко 3,2% 930 мл — 2 шт",
        "Яблоки Гала, весовые — 1.5 кг",
        "Хлеб Бородинский 400 г — 1 шт",
        "23.11.2026 14:00–15:00",
        COMMENT,
        "439.33 ₽",
    ] {
        assert!(text.contains(expected), "{expected:?} missing in:\n{text}");
    }
    assert!(text.chars().count() <= TELEGRAM_TEXT_LIMIT);
}

#[test]
fn created_writes_one_history_note() {
    let world = World::new();
    let decision = apply(None, &created(), &world.ctx());
    assert_eq!(decision.history.len(), 1);
    let note = &decision.history[0];
    assert_eq!(note.event, "order.created");
    assert_eq!(note.outcome, Outcome::Applied);
    assert!(note.detail.contains("SM-000007"), "{}", note.detail);
}

#[test]
fn needs_number_only_for_a_creation_of_an_order_without_number() {
    let world = World::new();
    assert!(needs_number(None, &created()));
    let doc = created_doc(&world);
    assert!(!needs_number(Some(&doc), &created()));
    for other in [
        fixture_update(),
        fixture_paid(),
        received(),
        delivered(),
        cancelled(),
    ] {
        assert!(!needs_number(None, &other), "{}", other.kind().as_str());
        assert!(
            !needs_number(Some(&doc), &other),
            "{}",
            other.kind().as_str()
        );
    }
}

#[test]
fn repeated_created_answers_the_same_number_and_time_and_changes_nothing() {
    let world = World::new();
    let (first, doc) = step(None, &created(), &world.ctx());
    // The retry comes later and the store (wrongly) even drew another number: neither counts.
    let repeat = apply(Some(&doc), &created(), &world.ctx_at(later(), Some(8)));
    assert_eq!(repeat.answer, first.answer);
    assert_eq!(
        repeat.answer,
        Answer::Created {
            number: "SM-000007".to_owned(),
            expected_assembly_time: now() + Duration::minutes(30),
        }
    );
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert_nothing_done(&repeat);
}

#[test]
fn repeated_created_with_a_different_composition_still_changes_nothing() {
    let world = World::new();
    let doc = created_doc(&world);
    let mut snapshot = created_snapshot();
    snapshot.lines = Some(vec![cheese()]);
    let repeat = apply(
        Some(&doc),
        &created_with(snapshot),
        &world.ctx_at(later(), None),
    );
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert!(matches!(repeat.answer, Answer::Created { ref number, .. } if number == "SM-000007"));
    assert_nothing_done(&repeat);
}

#[test]
fn created_without_a_drawn_number_is_unavailable_and_saves_nothing() {
    let world = World::new();
    let decision = apply(None, &created(), &world.ctx_at(now(), None));
    assert_eq!(decision.outcome, Outcome::Unavailable);
    assert_eq!(decision.answer, Answer::Retry);
    assert_eq!(decision.answer.status_code(), 503);
    assert_nothing_done(&decision);
}
