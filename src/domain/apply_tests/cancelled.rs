//! `order.cancelled`: tombstones, late creations on them, and telling the chats to stop.

use super::*;

#[test]
fn cancelled_unknown_order_leaves_a_tombstone() {
    let world = World::new();
    let decision = apply(None, &cancelled(), &world.ctx());
    assert_eq!(decision.outcome, Outcome::Applied);
    assert_eq!(decision.answer, Answer::Ok);
    assert_eq!(decision.answer.status_code(), 200);
    assert!(decision.notices.is_empty());
    assert!(decision.stock_moves.is_empty());
    let tomb = decision.document.expect("the tombstone is saved");
    assert!(tomb.cancelled && tomb.locked());
    assert_eq!(tomb.status(), Status::Cancelled);
    assert_eq!(tomb.number, None);
    assert_eq!(tomb.expected_assembly_time, None);
    assert_eq!(tomb.store_id, Some(store_id()));
    assert_eq!(tomb.order_uuid.as_deref(), Some(UUID));
    assert_eq!(
        tomb.cancellation.as_ref().and_then(|c| c.slug.as_deref()),
        Some("customer_request")
    );
    assert!(tomb.lines.is_empty());
}

#[test]
fn late_created_on_a_tombstone_answers_with_a_new_number_and_stays_cancelled() {
    let world = World::new();
    let tomb = step(None, &cancelled(), &world.ctx()).1;
    assert!(needs_number(Some(&tomb), &created()));
    let (decision, doc) = step(Some(&tomb), &created(), &world.ctx_at(later(), Some(8)));
    assert_eq!(
        decision.answer,
        Answer::Created {
            number: "SM-000008".to_owned(),
            expected_assembly_time: later() + Duration::minutes(30),
        }
    );
    assert!(
        decision.notices.is_empty(),
        "nobody picks a cancelled order"
    );
    assert!(decision.stock_moves.is_empty());
    assert_eq!(doc.status(), Status::Cancelled);
    assert!(doc.cancelled && doc.locked());
    assert_eq!(doc.number.as_deref(), Some("SM-000008"));
    assert_eq!(doc.lines.len(), 3, "the composition is recorded");
    assert_eq!(decision.history.len(), 1);
}

#[test]
fn repeated_late_created_on_a_tombstone_answers_the_same() {
    let world = World::new();
    let tomb = step(None, &cancelled(), &world.ctx()).1;
    let (first, doc) = step(Some(&tomb), &created(), &world.ctx_at(later(), Some(8)));
    assert!(!needs_number(Some(&doc), &created()));
    let repeat = apply(
        Some(&doc),
        &created(),
        &world.ctx_at(later() + Duration::hours(1), Some(9)),
    );
    assert_eq!(repeat.answer, first.answer);
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert_nothing_done(&repeat);
}

#[test]
fn late_created_on_a_tombstone_without_a_drawn_number_is_unavailable() {
    let world = World::new();
    let tomb = step(None, &cancelled(), &world.ctx()).1;
    let decision = apply(Some(&tomb), &created(), &world.ctx_at(later(), None));
    assert_eq!(decision.outcome, Outcome::Unavailable);
    assert_eq!(decision.answer, Answer::Retry);
    assert_nothing_done(&decision);
}

#[test]
fn cancel_of_a_new_order_tells_both_chats_to_stop_and_put_the_goods_back() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, next) = step(Some(&doc), &cancelled(), &world.ctx());
    assert_eq!(decision.answer, Answer::Ok);
    assert_eq!(chats(&decision), vec![STORE_CHAT, PICKERS_CHAT]);
    for notice in &decision.notices {
        assert_eq!(notice.kind, NoticeKind::Cancelled);
        assert_eq!(notice.dedup_key, "cancelled");
    }
    let text = notice_text(&decision);
    assert!(text.contains("SM-000007") && text.contains(ORDER), "{text}");
    assert!(text.contains("Прекратите сборку"), "{text}");
    assert!(text.contains("верните товары"), "{text}");
    assert!(
        text.contains("Клиент передумал"),
        "the reason is given:\n{text}"
    );
    assert!(next.cancelled && next.locked() && !next.shipped);
    assert_eq!(next.cancelled_at, Some(now()));
    assert_eq!(next.status(), Status::Cancelled);
    assert!(decision.stock_moves.is_empty());
}

#[test]
fn cancel_without_a_reason_still_tells_to_stop_picking() {
    let world = World::new();
    let doc = created_doc(&world);
    let (decision, _) = step(Some(&doc), &cancelled_with(None), &world.ctx());
    let text = notice_text(&decision);
    assert_eq!(decision.notices.len(), 2);
    assert!(text.contains("Прекратите сборку"), "{text}");
    assert!(!text.contains("Причина"), "{text}");
}

#[test]
fn cancel_of_a_paid_order_that_was_not_shipped_is_notified() {
    let world = World::new();
    let doc = through(&world, &[fixture_paid()]);
    let (decision, next) = step(Some(&doc), &cancelled(), &world.ctx());
    assert_eq!(decision.notices.len(), 2);
    assert_eq!(next.status(), Status::Cancelled);
}

#[test]
fn cancel_of_a_shipped_order_keeps_the_write_off_and_notifies_nobody() {
    let world = World::new();
    for shipped_by in [received(), delivered()] {
        let doc = through(&world, &[shipped_by]);
        let (decision, next) = step(Some(&doc), &cancelled(), &world.ctx());
        assert!(decision.notices.is_empty());
        assert!(decision.stock_moves.is_empty());
        assert!(next.shipped && next.cancelled);
        assert_eq!(next.status(), Status::Cancelled);
        assert_eq!(decision.history.len(), 1, "the history shows it");
    }
}

#[test]
fn repeated_cancel_is_duplicate() {
    let world = World::new();
    let doc = through(&world, &[cancelled()]);
    let repeat = apply(Some(&doc), &cancelled(), &world.ctx_at(later(), None));
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert_eq!(repeat.answer, Answer::Ok);
    assert_nothing_done(&repeat);
}

#[test]
fn repeated_cancel_of_a_tombstone_is_duplicate() {
    let world = World::new();
    let tomb = step(None, &cancelled(), &world.ctx()).1;
    let repeat = apply(Some(&tomb), &cancelled(), &world.ctx());
    assert_eq!(repeat.outcome, Outcome::Duplicate);
    assert_nothing_done(&repeat);
}
