//! `order show`: finding the order the operator means, and showing it.

use super::{ExitWith, Output};
use crate::store::{OrderKey, OrderRecord, ReadSide};
use anyhow::bail;
use serde_json::{Value, json};

/// A bare key: the order whose id or whose number it is, unless it is both, for two orders.
pub(super) async fn order_by_either(
    store: &dyn ReadSide,
    key: &str,
) -> anyhow::Result<OrderRecord> {
    let by_id = store.order(OrderKey::Id(key)).await?;
    let by_number = store.order(OrderKey::Number(key)).await?;
    match (by_id, by_number) {
        (Some(a), Some(b)) if a.document.original_order_id != b.document.original_order_id => {
            Err(ExitWith {
                status: 2,
                message: format!(
                    "{key:?} names two orders: the one whose originalOrderId it is, and {} \
                     (originalOrderId {}) whose number it is; say --id or --number",
                    b.document.number.as_deref().unwrap_or("-"),
                    b.document.original_order_id
                ),
            }
            .into())
        }
        (Some(record), _) | (None, Some(record)) => Ok(record),
        (None, None) => bail!("order {key:?} not found (neither an originalOrderId nor a number)"),
    }
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
