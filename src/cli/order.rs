//! `order show`: finding the order the operator means, and showing it.

use super::{ExitWith, Output};
use crate::store::story::{Lookup, lookup};
use crate::store::{OrderKey, OrderRecord, ReadSide};
use anyhow::bail;
use serde_json::{Value, json};

/// A bare key: the order whose id or whose number it is, unless it is both, for two orders.
pub(super) async fn order_by_either(
    store: &dyn ReadSide,
    key: &str,
) -> anyhow::Result<OrderRecord> {
    match lookup(store, key).await? {
        Lookup::Two { by_number, .. } => Err(ExitWith {
            status: 2,
            message: format!(
                "{key:?} names two orders: the one whose originalOrderId it is, and {} \
                 (originalOrderId {}) whose number it is; say --id or --number",
                by_number.document.number.as_deref().unwrap_or("-"),
                by_number.document.original_order_id
            ),
        }
        .into()),
        Lookup::One(record) => Ok(*record),
        Lookup::None => bail!("order {key:?} not found (neither an originalOrderId nor a number)"),
    }
}

/// `order show KEY [--id | --number]`.
pub(super) async fn show(
    store: &dyn ReadSide,
    key: &str,
    id: bool,
    number: bool,
) -> anyhow::Result<Output> {
    let record = match (id, number) {
        (true, _) => store
            .order(OrderKey::Id(key))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no order with originalOrderId {key:?}"))?,
        (_, true) => store
            .order(OrderKey::Number(key))
            .await?
            .ok_or_else(|| anyhow::anyhow!("no order numbered {key:?}"))?,
        _ => order_by_either(store, key).await?,
    };
    order_output(&record)
}
/// The document as operators' scripts rely on it (`originalOrderId`, `number`, `status`, the
/// flags, `storeId`, `lines`, `total`, `history`), plus everything else it holds.
pub(super) fn order_output(record: &OrderRecord) -> anyhow::Result<Output> {
    let doc = &record.document;
    let mut json = serde_json::to_value(doc)?;
    if let Value::Object(map) = &mut json {
        map.insert("status".into(), json!(doc.status().as_str()));
        map.insert("total".into(), json!(doc.total().map(|t| t.to_string())));
        map.insert("history".into(), serde_json::to_value(&record.history)?);
    }
    let mut text = format!(
        "{} ({}) — {} — store {}\n",
        doc.number.as_deref().unwrap_or("no number"),
        doc.original_order_id,
        doc.status().as_str(),
        doc.store_id.as_ref().map_or("-", |s| s.as_str()),
    );
    for line in &doc.lines {
        text.push_str(&format!(
            "  {:<16} {:<40} {} x {}\n",
            line.sku,
            line.name.as_deref().unwrap_or(""),
            line.quantity,
            line.discount_price
                .or(line.price)
                .map_or("-".to_owned(), |p| p.to_string())
        ));
    }
    for entry in &record.history {
        text.push_str(&format!(
            "  {} {} {}: {}\n",
            entry.at.format("%Y-%m-%d %H:%M:%S"),
            entry.event,
            entry.outcome.as_str(),
            entry.detail
        ));
    }
    Ok(Output { json, text })
}
