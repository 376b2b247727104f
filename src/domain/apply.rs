//! `apply`: what one marketplace event does to one order document.
//! Pure: the store hands in the current document and commits whatever is decided.

use super::composition::{
    describe_header_change, describe_line_change, diff_header, diff_lines, lines_from_positions,
};
use super::context::Context;
use super::decision::{Answer, Decision, Outcome, StockMove};
use super::event::{CancelNotice, EventBody, OrderEvent, Payment, Reference, Snapshot};
use super::notice_draft::{self, NoticeBody};
use super::order::OrderDocument;
use std::collections::HashMap;

/// True when applying `event` will create a partner number, so the store must draw one from the
/// shared sequence first (and only then: a number is never spent on a repeat).
pub fn needs_number(current: Option<&OrderDocument>, event: &OrderEvent) -> bool {
    matches!(event.body, EventBody::Created(_)) && current.is_none_or(|doc| doc.number.is_none())
}

pub fn apply(current: Option<&OrderDocument>, event: &OrderEvent, ctx: &Context) -> Decision {
    match (&event.body, current) {
        (EventBody::Created(snapshot), None) => create(event, snapshot, ctx),
        (EventBody::Created(snapshot), Some(doc)) => create_again(doc, event, snapshot, ctx),
        (EventBody::Cancelled(notice), None) => tombstone(event, notice, ctx),
        // The creation has not landed yet; the marketplace retries until it has.
        (_, None) => Decision::unchanged(Answer::NotFound, Outcome::NotFound, "order unknown"),
        (EventBody::Changed(snapshot), Some(doc)) => change(doc, event, snapshot, ctx),
        (EventBody::Paid(payment), Some(doc)) => pay(doc, event, payment, ctx),
        (EventBody::Received(reference), Some(doc)) => ship(doc, event, reference, false, ctx),
        (EventBody::Delivered(reference), Some(doc)) => ship(doc, event, reference, true, ctx),
        (EventBody::Cancelled(notice), Some(doc)) => cancel(doc, event, notice, ctx),
    }
}

fn created_answer(doc: &OrderDocument) -> Option<Answer> {
    Some(Answer::Created {
        number: doc.number.clone()?,
        expected_assembly_time: doc.expected_assembly_time?,
    })
}

/// The marketplace's ids fill in what the document does not know yet; a known store id is kept.
fn absorb_reference(doc: &mut OrderDocument, reference: &Reference) {
    if doc.order_uuid.is_none() {
        doc.order_uuid = reference.order_uuid.clone();
    }
    if doc.store_id.is_none() {
        doc.store_id = reference.store_id.clone();
    }
}

/// Every applied event moves the document on: a new revision, the time and the payload.
fn touch(doc: &mut OrderDocument, event: &OrderEvent, ctx: &Context) {
    doc.revision += 1;
    doc.updated_at = ctx.now;
    doc.last_payload = event.raw_payload.clone();
}

fn fill_from_snapshot(doc: &mut OrderDocument, snapshot: &Snapshot) {
    absorb_reference(doc, &snapshot.reference);
    doc.header = snapshot.header_over(&doc.header);
    if let Some(positions) = &snapshot.lines {
        doc.lines = lines_from_positions(positions, &doc.lines);
    }
    if let Some(totals) = &snapshot.totals {
        doc.totals = totals.clone();
    }
    if let Some(methods) = &snapshot.payment_methods {
        doc.payment_methods = methods.clone();
    }
}

fn assign_number(doc: &mut OrderDocument, ctx: &Context) -> Option<()> {
    doc.number = Some(ctx.settings.partner_number(ctx.number_seq?));
    doc.expected_assembly_time = Some(ctx.now + ctx.settings.assembly_time);
    Some(())
}

/// The store broke its side of `needs_number`; answering 503 makes the marketplace retry.
fn no_number() -> Decision {
    Decision::unchanged(
        Answer::Retry,
        Outcome::Unavailable,
        "no order number was drawn for a new order",
    )
}

fn create(event: &OrderEvent, snapshot: &Snapshot, ctx: &Context) -> Decision {
    let mut doc = OrderDocument::empty(event.order_id.clone(), ctx.now);
    fill_from_snapshot(&mut doc, snapshot);
    if assign_number(&mut doc, ctx).is_none() {
        return no_number();
    }
    doc.composition_as_of = event.sent_at;
    touch(&mut doc, event, ctx);
    let body = NoticeBody::Created {
        header: doc.header.clone(),
        lines: doc.lines.clone(),
        totals: doc.totals.clone(),
    };
    let (notices, warnings) = notice_draft::draft(&doc, "created".to_owned(), body, ctx);
    let Some(answer) = created_answer(&doc) else {
        return no_number();
    };
    let number = doc.number.clone().unwrap_or_default();
    let mut decision = Decision::saved(doc, answer, format!("created as {number}"));
    decision.notices = notices;
    decision.warnings = warnings;
    decision.note(event, format!("order created as {number}"))
}

/// The answer to a creation was lost or late and the marketplace asks again: same answer, no
/// second order. A tombstone (cancelled before its creation arrived) gets its number now.
fn create_again(
    doc: &OrderDocument,
    event: &OrderEvent,
    snapshot: &Snapshot,
    ctx: &Context,
) -> Decision {
    if let Some(answer) = created_answer(doc) {
        return Decision::unchanged(answer, Outcome::Duplicate, "order already created");
    }
    let mut doc = doc.clone();
    fill_from_snapshot(&mut doc, snapshot);
    if assign_number(&mut doc, ctx).is_none() {
        return no_number();
    }
    doc.composition_as_of = event.sent_at;
    touch(&mut doc, event, ctx);
    let Some(answer) = created_answer(&doc) else {
        return no_number();
    };
    let number = doc.number.clone().unwrap_or_default();
    Decision::saved(doc, answer, "creation arrived after cancellation: kept cancelled").note(
        event,
        format!("creation arrived after the cancellation: numbered {number}, kept cancelled, nobody notified"),
    )
}

fn tombstone(event: &OrderEvent, notice: &CancelNotice, ctx: &Context) -> Decision {
    let mut doc = OrderDocument::empty(event.order_id.clone(), ctx.now);
    absorb_reference(&mut doc, &notice.reference);
    doc.cancelled = true;
    doc.cancelled_at = Some(ctx.now);
    doc.cancellation = notice.cancellation.clone();
    touch(&mut doc, event, ctx);
    Decision::saved(
        doc,
        Answer::Ok,
        "cancelled before its creation arrived: tombstone kept",
    )
    .note(event, "cancelled before its creation arrived")
}

fn change(doc: &OrderDocument, event: &OrderEvent, snapshot: &Snapshot, ctx: &Context) -> Decision {
    if doc.locked() {
        let mut decision = Decision::unchanged(
            Answer::Ok,
            Outcome::Ignored,
            format!(
                "order is locked ({}): change not applied",
                doc.status().as_str()
            ),
        );
        decision.warnings.push(format!(
            "change of locked order {} ({}) ignored",
            doc.original_order_id,
            doc.status().as_str()
        ));
        return decision;
    }
    if let (Some(sent), Some(as_of)) = (event.sent_at, doc.composition_as_of)
        && sent < as_of
    {
        return Decision::unchanged(
            Answer::Ok,
            Outcome::Stale,
            format!("change sent at {sent} is older than the composition of {as_of}"),
        );
    }
    let mut next = doc.clone();
    fill_from_snapshot(&mut next, snapshot);
    if next == *doc {
        return Decision::unchanged(Answer::Ok, Outcome::Duplicate, "no difference");
    }
    let line_changes = diff_lines(&doc.lines, &next.lines);
    let header_changes = diff_header(&doc.header, &next.header);
    next.composition_as_of = event.sent_at.max(doc.composition_as_of);
    touch(&mut next, event, ctx);
    let mut said: Vec<String> = line_changes.iter().map(describe_line_change).collect();
    said.extend(
        header_changes
            .iter()
            .map(|c| describe_header_change(c).to_owned()),
    );
    if said.is_empty() {
        said.push("details updated (customer, totals or payment methods)".to_owned());
    }
    let detail = said.join("; ");
    let mut decision = Decision::saved(next.clone(), Answer::Ok, detail.clone());
    if !line_changes.is_empty() || !header_changes.is_empty() {
        let body = NoticeBody::Changed {
            lines: line_changes,
            header: header_changes,
        };
        let key = format!("changed:{}", next.revision);
        let (notices, warnings) = notice_draft::draft(&next, key, body, ctx);
        decision.notices = notices;
        decision.warnings = warnings;
    }
    decision.note(event, detail)
}

fn pay(doc: &OrderDocument, event: &OrderEvent, payment: &Payment, ctx: &Context) -> Decision {
    if doc.cancelled {
        return Decision::unchanged(
            Answer::Ok,
            Outcome::Ignored,
            "order is cancelled: payment not applied",
        );
    }
    if doc.paid {
        return Decision::unchanged(Answer::Ok, Outcome::Duplicate, "order already paid");
    }
    let mut next = doc.clone();
    absorb_reference(&mut next, &payment.reference);
    let mut notes = Vec::new();
    if let Some(positions) = &payment.lines {
        if doc.shipped {
            // The goods already left and were written off as they were; only prices follow.
            let paid_by_sku: HashMap<_, _> = positions.iter().map(|p| (&p.sku, p)).collect();
            for line in &mut next.lines {
                if let Some(paid) = paid_by_sku.get(&line.sku) {
                    line.price = paid.price.or(line.price);
                    line.discount_price = paid.discount_price.or(line.discount_price);
                    line.total_price = paid.total_price.or(line.total_price);
                    line.total_discount_price =
                        paid.total_discount_price.or(line.total_discount_price);
                }
            }
            notes.push(
                "already shipped: prices corrected, composition kept as written off".to_owned(),
            );
        } else {
            // What the customer was charged for after picking is what leaves the store.
            next.lines = lines_from_positions(positions, &doc.lines);
        }
        notes.extend(
            diff_lines(&doc.lines, &next.lines)
                .iter()
                .map(describe_line_change),
        );
    }
    if let Some(totals) = &payment.totals {
        next.totals = totals.clone();
    }
    next.paid = true;
    next.paid_at = Some(ctx.now);
    touch(&mut next, event, ctx);
    let total = next
        .total()
        .map_or_else(|| "-".to_owned(), |t| t.to_string());
    let mut decision = Decision::saved(
        next,
        Answer::Ok,
        format!("paid, total {total}; order locked"),
    )
    .note(event, format!("paid, total {total}; order locked"));
    for note in notes {
        decision = decision.note(event, note);
    }
    decision
}

/// The courier took the order (or it was delivered without a "received" first): write the
/// lines off the store's stock once.
fn ship(
    doc: &OrderDocument,
    event: &OrderEvent,
    reference: &Reference,
    deliver: bool,
    ctx: &Context,
) -> Decision {
    if doc.cancelled {
        let mut decision = Decision::unchanged(
            Answer::Ok,
            Outcome::Ignored,
            "order is cancelled: nothing shipped or written off",
        );
        decision.warnings.push(format!(
            "{} for cancelled order {} ignored",
            event.kind().as_str(),
            doc.original_order_id
        ));
        return decision;
    }
    if doc.delivered || (doc.shipped && !deliver) {
        return Decision::unchanged(Answer::Ok, Outcome::Duplicate, "already done");
    }
    let mut next = doc.clone();
    absorb_reference(&mut next, reference);
    let mut said = Vec::new();
    let mut moves = Vec::new();
    let mut warnings = Vec::new();
    if !next.shipped {
        next.shipped = true;
        next.shipped_at = Some(ctx.now);
        match &next.store_id {
            Some(store) => {
                moves = next
                    .lines
                    .iter()
                    .filter(|line| !line.quantity.is_zero())
                    .map(|line| StockMove {
                        order_id: next.original_order_id.clone(),
                        store_id: store.clone(),
                        sku: line.sku.clone(),
                        quantity: line.quantity,
                    })
                    .collect();
                said.push(format!(
                    "shipped: {} lines written off store {store}",
                    moves.len()
                ));
            }
            None => {
                said.push("shipped: no store id known, nothing written off".to_owned());
                warnings.push(format!(
                    "order {} shipped without a store id: stock not written off",
                    next.original_order_id
                ));
            }
        }
        if deliver {
            said[0] = format!("delivered without a \"received\" first; {}", said[0]);
        }
    }
    if deliver {
        next.delivered = true;
        next.delivered_at = Some(ctx.now);
        said.push("delivered".to_owned());
    }
    touch(&mut next, event, ctx);
    let detail = said.join("; ");
    let mut decision = Decision::saved(next, Answer::Ok, detail.clone()).note(event, detail);
    decision.stock_moves = moves;
    decision.warnings = warnings;
    decision
}

fn cancel(
    doc: &OrderDocument,
    event: &OrderEvent,
    notice: &CancelNotice,
    ctx: &Context,
) -> Decision {
    if doc.cancelled {
        return Decision::unchanged(Answer::Ok, Outcome::Duplicate, "order already cancelled");
    }
    let mut next = doc.clone();
    absorb_reference(&mut next, &notice.reference);
    next.cancelled = true;
    next.cancelled_at = Some(ctx.now);
    next.cancellation = notice.cancellation.clone();
    touch(&mut next, event, ctx);
    if next.shipped {
        // The goods left the store: the write-off stands, and nobody has anything to put back.
        let detail = "cancelled after shipment: write-off kept";
        return Decision::saved(next, Answer::Ok, detail).note(event, detail);
    }
    let body = NoticeBody::Cancelled {
        cancellation: notice.cancellation.clone(),
    };
    let (notices, warnings) = notice_draft::draft(&next, "cancelled".to_owned(), body, ctx);
    let detail = "cancelled: pickers told to stop and put the goods back";
    let mut decision = Decision::saved(next, Answer::Ok, detail).note(event, detail);
    decision.notices = notices;
    decision.warnings = warnings;
    decision
}
