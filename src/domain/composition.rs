//! Comparing what the marketplace says the order is with what the document holds.

use super::event::Position;
use super::ids::Sku;
use super::order::{OrderHeader, OrderLine};
use super::replacement::ReplacementPolicy;
use chrono::{DateTime, FixedOffset};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// One difference in the lines, as the pickers need to hear it.
#[derive(Debug, Clone, PartialEq)]
pub enum LineChange {
    Added(OrderLine),
    Removed(OrderLine),
    Quantity {
        line: OrderLine,
        from: Decimal,
    },
    Price {
        line: OrderLine,
        from: (Option<Decimal>, Option<Decimal>),
    },
}

/// One difference in the header fields that matter to the store.
#[derive(Debug, Clone, PartialEq)]
pub enum HeaderChange {
    DeliveryWindow {
        from: (Option<DateTime<FixedOffset>>, Option<DateTime<FixedOffset>>),
        to: (Option<DateTime<FixedOffset>>, Option<DateTime<FixedOffset>>),
    },
    Address {
        from: Option<String>,
        to: Option<String>,
    },
    Comment {
        from: Option<String>,
        to: Option<String>,
    },
    ReplacementPolicy {
        from: Option<ReplacementPolicy>,
        to: Option<ReplacementPolicy>,
    },
}

/// Why repeated lines of one sku cannot be merged into one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the sum with an earlier line of the same sku {0}")]
pub struct MergeError(pub &'static str);

/// One line per sku, in first-seen order: the same sku twice is one line to pick and one stock
/// entry to write off, so its quantities and line totals add up. The document (and so the
/// write-off) relies on this: every composition the domain is given has passed through here.
/// A sum past `max_quantity`/`max_money` is refused, so a line never holds more than one line
/// may; `Err` carries the index of the position whose addition failed.
pub fn merge_repeated_skus(
    positions: Vec<Position>,
    max_quantity: Decimal,
    max_money: Decimal,
) -> Result<Vec<Position>, (usize, MergeError)> {
    let mut merged: Vec<Position> = Vec::with_capacity(positions.len());
    let mut index: HashMap<Sku, usize> = HashMap::with_capacity(positions.len());
    for (i, position) in positions.into_iter().enumerate() {
        match index.get(&position.sku) {
            Some(&first) => {
                add_into(&mut merged[first], position, max_quantity, max_money)
                    .map_err(|e| (i, e))?;
            }
            None => {
                index.insert(position.sku.clone(), merged.len());
                merged.push(position);
            }
        }
    }
    Ok(merged)
}

fn add_into(
    line: &mut Position,
    more: Position,
    max_quantity: Decimal,
    max_money: Decimal,
) -> Result<(), MergeError> {
    fn add(
        a: Decimal,
        b: Decimal,
        max: Decimal,
        what: &'static str,
    ) -> Result<Decimal, MergeError> {
        a.checked_add(b)
            .filter(|sum| *sum <= max)
            .ok_or(MergeError(what))
    }
    fn add_some(
        a: Option<Decimal>,
        b: Option<Decimal>,
        max: Decimal,
        what: &'static str,
    ) -> Result<Option<Decimal>, MergeError> {
        match (a, b) {
            (Some(a), Some(b)) => add(a, b, max, what).map(Some),
            (a, b) => Ok(a.or(b)),
        }
    }
    const QUANTITY: &str = "is past the largest quantity a line may hold";
    const MONEY: &str = "is past the largest amount a line may hold";
    line.quantity = add(line.quantity, more.quantity, max_quantity, QUANTITY)?;
    line.original_quantity = add_some(
        line.original_quantity,
        more.original_quantity,
        max_quantity,
        QUANTITY,
    )?;
    line.total_price = add_some(line.total_price, more.total_price, max_money, MONEY)?;
    line.total_discount_price = add_some(
        line.total_discount_price,
        more.total_discount_price,
        max_money,
        MONEY,
    )?;
    Ok(())
}

/// The document's lines as the positions describe them; what a position leaves out (a name, the
/// ordered quantity, a price) is kept from the line it replaces.
pub fn lines_from_positions(positions: &[Position], current: &[OrderLine]) -> Vec<OrderLine> {
    let current = by_sku(current);
    positions
        .iter()
        .map(|position| {
            let existing = current.get(&position.sku).copied();
            OrderLine {
                sku: position.sku.clone(),
                name: position
                    .name
                    .clone()
                    .or_else(|| existing.and_then(|line| line.name.clone())),
                original_quantity: position
                    .original_quantity
                    .or(existing.map(|line| line.original_quantity))
                    .unwrap_or(position.quantity),
                quantity: position.quantity,
                weight: position
                    .weight
                    .clone()
                    .or_else(|| existing.and_then(|line| line.weight.clone())),
                price: position.price.or(existing.and_then(|line| line.price)),
                discount_price: position
                    .discount_price
                    .or(existing.and_then(|line| line.discount_price)),
                total_price: position.total_price,
                total_discount_price: position.total_discount_price,
                replaced_by: position.replaced_by.clone(),
            }
        })
        .collect()
}

/// The lines by sku, so that comparing two compositions costs one look-up a line: a big order
/// must be compared well within the marketplace's five seconds.
pub fn by_sku(lines: &[OrderLine]) -> HashMap<&Sku, &OrderLine> {
    lines.iter().map(|line| (&line.sku, line)).collect()
}

/// Lines added, removed, with a new quantity or a new price — in the new order's sequence,
/// removals last.
pub fn diff_lines(old: &[OrderLine], new: &[OrderLine]) -> Vec<LineChange> {
    let (old_by_sku, new_by_sku) = (by_sku(old), by_sku(new));
    let mut changes = Vec::new();
    for line in new {
        match old_by_sku.get(&line.sku) {
            None => changes.push(LineChange::Added(line.clone())),
            Some(before) => {
                if before.quantity != line.quantity {
                    changes.push(LineChange::Quantity {
                        line: line.clone(),
                        from: before.quantity,
                    });
                }
                if before.price != line.price || before.discount_price != line.discount_price {
                    changes.push(LineChange::Price {
                        line: line.clone(),
                        from: (before.price, before.discount_price),
                    });
                }
            }
        }
    }
    for line in old {
        if !new_by_sku.contains_key(&line.sku) {
            changes.push(LineChange::Removed(line.clone()));
        }
    }
    changes
}

pub fn diff_header(old: &OrderHeader, new: &OrderHeader) -> Vec<HeaderChange> {
    let mut changes = Vec::new();
    if (old.delivery_from, old.delivery_to) != (new.delivery_from, new.delivery_to) {
        changes.push(HeaderChange::DeliveryWindow {
            from: (old.delivery_from, old.delivery_to),
            to: (new.delivery_from, new.delivery_to),
        });
    }
    if old.address != new.address {
        changes.push(HeaderChange::Address {
            from: old.address.clone(),
            to: new.address.clone(),
        });
    }
    if old.comment != new.comment {
        changes.push(HeaderChange::Comment {
            from: old.comment.clone(),
            to: new.comment.clone(),
        });
    }
    if old.replacement_policy != new.replacement_policy {
        changes.push(HeaderChange::ReplacementPolicy {
            from: old.replacement_policy.clone(),
            to: new.replacement_policy.clone(),
        });
    }
    changes
}

/// A short plain-text account of a line difference, for the order's history.
pub fn describe_line_change(change: &LineChange) -> String {
    fn money(value: Option<Decimal>) -> String {
        value.map_or_else(|| "-".to_owned(), |v| v.to_string())
    }
    match change {
        LineChange::Added(line) => format!("line {} added: quantity {}", line.sku, line.quantity),
        LineChange::Removed(line) => format!("line {} removed", line.sku),
        LineChange::Quantity { line, from } => {
            format!("line {} quantity {} -> {}", line.sku, from, line.quantity)
        }
        LineChange::Price { line, from } => format!(
            "line {} price {}/{} -> {}/{}",
            line.sku,
            money(from.0),
            money(from.1),
            money(line.price),
            money(line.discount_price)
        ),
    }
}

pub fn describe_header_change(change: &HeaderChange) -> &'static str {
    match change {
        HeaderChange::DeliveryWindow { .. } => "delivery window changed",
        HeaderChange::Address { .. } => "address changed",
        HeaderChange::Comment { .. } => "comment changed",
        HeaderChange::ReplacementPolicy { .. } => "replacement policy changed",
    }
}
