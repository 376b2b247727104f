//! Properties of `apply` over whole histories of one order: the six events in any order, sent
//! again, with compositions up to the protocol's limits. Each decision's document is fed back as
//! the current one and a number is drawn when `needs_number` asks, as the store does, so what
//! holds here holds for the orders in the database.

use super::apply_tests::World;
use super::*;
use crate::notice::{self, TELEGRAM_TEXT_LIMIT};
use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::HashMap;

const ORDER: &str = "R246801357";
const STORE: &str = "77-001";
/// Not in the routing: its notices go to the default chat.
const OTHER_STORE: &str = "99-001";
/// The one sku the catalog names (with a name longer than any shown).
const CATALOG_SKU: &str = "CAT";

/// When the marketplace stamped the creation of the fixture order.
fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 41, 7).unwrap()
}

fn sku(raw: &str) -> Sku {
    Sku::parse(raw).unwrap()
}

mod values;
use values::*;

// ---------------------------------------------------------------------------------------------
// The fold
// ---------------------------------------------------------------------------------------------

/// The example tests' world, with a default chat for every other store and one sku in the
/// catalog (with a name longer than any shown).
fn world() -> World {
    let mut world = World::new();
    world.routing.default_chat = Some("-1".to_owned());
    world.catalog.insert(
        sku(CATALOG_SKU),
        CatalogItem {
            name: "Сыр <Российский> & 😀 ".repeat(40),
            unit: Some("кг".to_owned()),
            zone: None,
        },
    );
    world
}

/// What the database would hold for the order after each event, and what it has seen.
struct History<'w> {
    world: &'w World,
    now: DateTime<Utc>,
    doc: Option<OrderDocument>,
    numbers_drawn: u64,
    number: Option<String>,
    first_created: Option<Answer>,
    written_off: HashMap<Sku, Decimal>,
}

fn lines_of(doc: &OrderDocument) -> Vec<(Sku, Decimal)> {
    doc.lines
        .iter()
        .map(|line| (line.sku.clone(), line.quantity))
        .collect()
}

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items
}

impl<'w> History<'w> {
    fn new(world: &'w World) -> Self {
        History {
            world,
            now: base(),
            doc: None,
            numbers_drawn: 0,
            number: None,
            first_created: None,
            written_off: HashMap::new(),
        }
    }

    /// One request, as the store runs it, a minute after the previous one.
    fn deliver(&mut self, event: &OrderEvent) -> Result<Decision, TestCaseError> {
        self.now += Duration::minutes(1);
        let before = self.doc.clone();
        let number_seq = needs_number(before.as_ref(), event).then(|| {
            self.numbers_drawn += 1;
            self.numbers_drawn
        });
        prop_assert!(
            self.numbers_drawn <= 1,
            "a second partner number was drawn for one order"
        );
        let ctx = Context {
            now: self.now,
            settings: &self.world.settings,
            routing: &self.world.routing,
            catalog: &self.world.catalog,
            number_seq,
        };
        let decision = apply(before.as_ref(), event, &ctx);
        prop_assert_ne!(
            &decision.answer,
            &Answer::Retry,
            "503 though the number was drawn as asked: {}",
            decision.detail
        );
        if let Some(doc) = &decision.document {
            self.doc = Some(doc.clone());
        }
        self.check_number(&decision)?;
        self.check_flags(before.as_ref())?;
        self.check_stock(before.as_ref(), &decision)?;
        check_notices(&decision)?;
        // A known order's creation is answered, not announced (DESIGN 4.1); a shipped order's
        // cancellation has nothing for the pickers to put back (4.6).
        let known = matches!(event.body, EventBody::Created(_)) && before.is_some();
        let after_shipment = matches!(event.body, EventBody::Cancelled(_))
            && before.as_ref().is_some_and(|b| b.shipped);
        prop_assert!(
            !(known || after_shipment) || decision.notices.is_empty(),
            "{} queued {} notices",
            event.kind().as_str(),
            decision.notices.len()
        );
        Ok(decision)
    }

    /// One partner number per order, never changed once assigned, and always the one answered.
    fn check_number(&mut self, decision: &Decision) -> Result<(), TestCaseError> {
        if let Some(doc) = &self.doc {
            match (&self.number, &doc.number) {
                (Some(kept), now) => prop_assert_eq!(
                    now.as_ref(),
                    Some(kept),
                    "the partner number changed or was lost"
                ),
                (None, Some(new)) => self.number = Some(new.clone()),
                (None, None) => {}
            }
        }
        if let Answer::Created { number, .. } = &decision.answer {
            prop_assert_eq!(Some(number), self.number.as_ref());
            match &self.first_created {
                Some(first) => prop_assert_eq!(
                    first,
                    &decision.answer,
                    "a repeated creation is answered differently"
                ),
                None => self.first_created = Some(decision.answer.clone()),
            }
        }
        Ok(())
    }

    /// Locked once paid, shipped or cancelled; no flag is ever undone; the status follows
    /// cancelled > delivered > shipped > paid > new.
    fn check_flags(&self, before: Option<&OrderDocument>) -> Result<(), TestCaseError> {
        let Some(doc) = &self.doc else {
            return Ok(());
        };
        let flags = |d: &OrderDocument| {
            [
                ("locked", d.locked()),
                ("paid", d.paid),
                ("shipped", d.shipped),
                ("delivered", d.delivered),
                ("cancelled", d.cancelled),
            ]
        };
        prop_assert!(
            doc.locked() || !(doc.paid || doc.shipped || doc.delivered || doc.cancelled),
            "open to changes though {:?}",
            flags(doc)
        );
        prop_assert!(!doc.delivered || doc.shipped, "delivered but not shipped");
        let expected = if doc.cancelled {
            Status::Cancelled
        } else if doc.delivered {
            Status::Delivered
        } else if doc.shipped {
            Status::Shipped
        } else if doc.paid {
            Status::Paid
        } else {
            Status::New
        };
        prop_assert_eq!(doc.status(), expected);
        if let Some(before) = before {
            for ((name, was), (_, is)) in flags(before).into_iter().zip(flags(doc)) {
                prop_assert!(!was || is, "{} was undone", name);
            }
        }
        Ok(())
    }

    /// Stock leaves once per order and sku, at shipment, exactly as the document's lines were
    /// then; after that the composition stays as written off.
    fn check_stock(
        &mut self,
        before: Option<&OrderDocument>,
        decision: &Decision,
    ) -> Result<(), TestCaseError> {
        let doc = self.doc.as_ref();
        let shipping = before.is_some_and(|b| !b.shipped) && doc.is_some_and(|d| d.shipped);
        prop_assert!(
            shipping || decision.stock_moves.is_empty(),
            "stock written off by an event that did not ship: {:?}",
            decision.stock_moves
        );
        if let (Some(before), Some(doc)) = (before, doc) {
            if before.shipped {
                prop_assert_eq!(
                    lines_of(before),
                    lines_of(doc),
                    "the composition changed after it was written off"
                );
            }
            if shipping {
                let expected: Vec<(Sku, Decimal)> = match doc.store_id {
                    Some(_) => lines_of(before)
                        .into_iter()
                        .filter(|(_, quantity)| !quantity.is_zero())
                        .collect(),
                    None => Vec::new(),
                };
                let moved: Vec<(Sku, Decimal)> = decision
                    .stock_moves
                    .iter()
                    .map(|m| (m.sku.clone(), m.quantity))
                    .collect();
                prop_assert_eq!(
                    sorted(moved),
                    sorted(expected),
                    "written off is not the composition at shipment"
                );
            }
        }
        for movement in &decision.stock_moves {
            prop_assert_eq!(movement.order_id.as_str(), ORDER);
            prop_assert_eq!(
                Some(&movement.store_id),
                doc.and_then(|d| d.store_id.as_ref())
            );
            prop_assert!(movement.quantity > Decimal::ZERO);
            prop_assert!(
                self.written_off
                    .insert(movement.sku.clone(), movement.quantity)
                    .is_none(),
                "sku {} written off twice for one order: {:?}",
                movement.sku,
                decision.stock_moves
            );
        }
        Ok(())
    }

    /// Sending `event` changed nothing: the marketplace's retry is idempotent.
    fn deliver_again(
        &mut self,
        event: &OrderEvent,
        first: Option<&Decision>,
    ) -> Result<(), TestCaseError> {
        let before = self.doc.clone();
        let again = self.deliver(event)?;
        prop_assert_eq!(&self.doc, &before, "sent again, it changed the document");
        prop_assert!(
            again.notices.is_empty(),
            "sent again, it queued {} notices",
            again.notices.len()
        );
        prop_assert!(
            again.stock_moves.is_empty(),
            "sent again, it wrote stock off"
        );
        if let Some(first) = first {
            prop_assert_eq!(
                &again.answer,
                &first.answer,
                "sent again, answered otherwise"
            );
        }
        Ok(())
    }
}

/// Whatever the order holds, every message fits Telegram (which counts UTF-16 units); and a
/// request that applied nothing queues nothing and writes nothing off.
fn check_notices(decision: &Decision) -> Result<(), TestCaseError> {
    for notice in &notice::render_all(&decision.notices) {
        let units = notice.text.encode_utf16().count();
        prop_assert!(
            units <= TELEGRAM_TEXT_LIMIT,
            "a {} notice ({}) of {} UTF-16 units",
            notice.kind.as_str(),
            notice.dedup_key,
            units
        );
    }
    if decision.outcome != Outcome::Applied {
        prop_assert!(
            decision.document.is_none()
                && decision.notices.is_empty()
                && decision.stock_moves.is_empty(),
            "{:?} ({}) still did something",
            decision.outcome,
            decision.detail
        );
    }
    Ok(())
}

fn run(steps: &[Step]) -> Result<(), TestCaseError> {
    let world = world();
    let mut history = History::new(&world);
    let mut sent: Vec<(OrderEvent, Outcome)> = Vec::new();
    for step in steps {
        let (event, earlier) = match step {
            Step::Send(event) => ((**event).clone(), None),
            Step::Resend(which) if !sent.is_empty() => {
                let (event, outcome) = &sent[which.index(sent.len())];
                (event.clone(), Some(*outcome))
            }
            Step::Resend(_) => continue,
        };
        // Applied once, any event but a change is done for good: sent again at any later time
        // it changes nothing. (A change without a timestamp is the marketplace's latest word,
        // so it may legitimately undo a later one.)
        let is_change = matches!(event.body, EventBody::Changed(_));
        let decision = if earlier == Some(Outcome::Applied) && !is_change {
            history.deliver_again(&event, None)?;
            None
        } else {
            Some(history.deliver(&event)?)
        };
        // A retry of the very same message right away, as after a lost answer, never does more.
        history.deliver_again(&event, decision.as_ref())?;
        if let Some(decision) = decision {
            sent.push((event, decision.outcome));
        }
    }
    Ok(())
}

proptest! {
    /// Any history of one order keeps every invariant above after every request.
    #[test]
    fn any_history_of_one_order_keeps_the_invariants(steps in steps(false)) {
        run(&steps)?;
    }

    /// The same, with compositions that name an sku more than once: the domain must not rely
    /// on the protocol having merged them (one write-off per order and sku is the ledger's key).
    #[test]
    fn any_history_with_repeated_skus_keeps_the_invariants(steps in steps(true)) {
        run(&steps)?;
    }
}
