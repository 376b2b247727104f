//! PostgreSQL's event in fewer round trips: what the decision reads after the document (its
//! catalog rows and, for a new order, its number) in one statement, and everything it writes
//! (document, history, write-offs, notices, journal row) in one statement of data-modifying
//! CTEs. The statements and their order are those of `sql_event.rs`, run together: the CTEs
//! see one snapshot, none reads what another writes, and the foreign keys are checked at the
//! statement's end, when the order row is there.

use super::StoreError;
use super::db;
use super::event_tx::{Balances, EventWrites, catalog_from_rows, document_json, parse_decimal};
use crate::domain::{ACTOR, Catalog, OrderId, Sku, StoreId};
use sqlx::{Postgres, Transaction};

const CATALOG_AND_NUMBER: &str = "
    WITH drawn AS (
        INSERT INTO order_numbers (original_order_id) SELECT $2 WHERE $3 RETURNING seq
    )
    SELECT sku, name, unit, zone, NULL::bigint AS seq FROM catalog WHERE sku = ANY($1)
    UNION ALL
    SELECT NULL, NULL, NULL, NULL, seq FROM drawn";

const WRITE_EVENT: &str = "
    WITH saved AS (
        INSERT INTO orders (original_order_id, number, store_id, status, revision, document,
                            created_at, updated_at)
        SELECT $4, $5, $6, $7, $8, $9::jsonb, $10, $11 WHERE $12
        ON CONFLICT (original_order_id) DO UPDATE
            SET number = excluded.number, store_id = excluded.store_id,
                status = excluded.status, revision = excluded.revision,
                document = excluded.document, updated_at = excluded.updated_at
        RETURNING 1
    ), noted AS (
        INSERT INTO order_history (original_order_id, at, event, outcome, detail, actor)
        SELECT $1, $2, h.event, h.outcome, h.detail, $3
        FROM UNNEST($13::text[], $14::text[], $15::text[])
             WITH ORDINALITY AS h(event, outcome, detail, n)
        ORDER BY h.n
        RETURNING 1
    ), queued AS (
        INSERT INTO outbox (original_order_id, kind, chat, dedup_key, text, created_at,
                            next_attempt_at, queued_at)
        SELECT q.order_id, q.kind, q.chat, q.dedup_key, q.text, $2, $2, $2
        FROM UNNEST($16::text[], $17::text[], $18::text[], $19::text[], $20::text[])
             WITH ORDINALITY AS q(order_id, kind, chat, dedup_key, text, n)
        ORDER BY q.n
        ON CONFLICT (original_order_id, dedup_key, chat) DO NOTHING
        RETURNING 1
    ), journaled AS (
        INSERT INTO journal (at, request_id, event_type, original_order_id, outcome, status_code,
                             duration_ms, detail, body, replay_of)
        VALUES ($21, $22, $23, $24, $25, $26, $27, $28, $29, $30)
        RETURNING 1
    ), moved AS (
        -- Only the ledger entries that are new move a balance: a repeat writes nothing off.
        INSERT INTO stock_ledger (original_order_id, store_id, sku, quantity, reason, at, actor)
        SELECT m.order_id, m.store_id, m.sku, -(m.quantity::numeric), 'shipment', $2, $3
        FROM UNNEST($31::text[], $32::text[], $33::text[], $34::text[])
             AS m(order_id, store_id, sku, quantity)
        ON CONFLICT (original_order_id, sku, reason) DO NOTHING
        RETURNING store_id, sku, quantity
    )
    INSERT INTO stock_balances (store_id, sku, quantity, updated_at)
    SELECT store_id, sku, quantity, $2 FROM moved
    ON CONFLICT (store_id, sku) DO UPDATE
        SET quantity = stock_balances.quantity + excluded.quantity, updated_at = $2
    RETURNING store_id, sku, quantity::text";

pub(super) async fn catalog_and_number(
    tx: &mut Transaction<'static, Postgres>,
    skus: &[Sku],
    number_for: Option<&OrderId>,
) -> Result<(Catalog, Option<u64>), StoreError> {
    type Columns = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let rows: Vec<Columns> = db::query_as(CATALOG_AND_NUMBER)
        .bind(skus.iter().map(Sku::to_string).collect::<Vec<_>>())
        .bind(number_for.map(OrderId::as_str))
        .bind(number_for.is_some())
        .fetch_all(tx)
        .await?;
    let mut number = None;
    let mut catalog = Vec::with_capacity(rows.len());
    for (sku, name, unit, zone, seq) in rows {
        match (sku, name, seq) {
            (Some(sku), Some(name), _) => catalog.push((sku, name, unit, zone)),
            (None, _, Some(seq)) => {
                number =
                    Some(u64::try_from(seq).map_err(|_| {
                        StoreError::Corrupt(format!("order number sequence {seq}"))
                    })?);
            }
            _ => {
                return Err(StoreError::Corrupt(
                    "a catalog row without its sku or name".into(),
                ));
            }
        }
    }
    if number_for.is_some() && number.is_none() {
        return Err(StoreError::RowNotFound);
    }
    Ok((catalog_from_rows(catalog), number))
}

/// One text column of many rows, for `UNNEST`.
fn column<T>(rows: &[T], f: impl Fn(&T) -> &str) -> Vec<String> {
    rows.iter().map(|row| f(row).to_owned()).collect()
}

pub(super) async fn write_event(
    tx: &mut Transaction<'static, Postgres>,
    writes: &EventWrites<'_>,
) -> Result<Balances, StoreError> {
    let doc = writes.document;
    let revision = doc
        .map(|doc| {
            i32::try_from(doc.revision)
                .map_err(|_| StoreError::Corrupt(format!("revision {}", doc.revision)))
        })
        .transpose()?;
    let document = doc.map(document_json).transpose()?;
    let moves: Vec<(&OrderId, &StoreId, &Sku, String)> = writes
        .shipments
        .iter()
        .flat_map(|s| {
            s.moves
                .iter()
                .map(move |(sku, quantity)| (&s.order, &s.store, sku, quantity.to_string()))
        })
        .collect();
    let entry = writes.journal;
    let body = entry.body.as_deref().map(String::from_utf8_lossy);
    let rows: Vec<(String, String, String)> = db::query_as(WRITE_EVENT)
        .bind(writes.order.as_str())
        .bind(writes.at)
        .bind(ACTOR)
        .bind(doc.map(|d| d.original_order_id.as_str()))
        .bind(doc.and_then(|d| d.number.as_deref()))
        .bind(doc.and_then(|d| d.store_id.as_ref().map(|s| s.as_str())))
        .bind(doc.map(|d| d.status().as_str()))
        .bind(db::Arg::Int32(revision))
        .bind(document)
        .bind(doc.map(|d| d.created_at))
        .bind(doc.map(|d| d.updated_at))
        .bind(doc.is_some())
        .bind(column(writes.history, |n| n.event.as_str()))
        .bind(column(writes.history, |n| n.outcome.as_str()))
        .bind(column(writes.history, |n| n.detail.as_str()))
        .bind(column(writes.notices, |n| n.order_id.as_str()))
        .bind(column(writes.notices, |n| n.kind.as_str()))
        .bind(column(writes.notices, |n| n.chat.as_str()))
        .bind(column(writes.notices, |n| n.dedup_key.as_str()))
        .bind(column(writes.notices, |n| n.text.as_str()))
        .bind(entry.at)
        .bind(entry.request_id.as_deref())
        .bind(entry.event_type.as_deref())
        .bind(entry.order_id.as_deref())
        .bind(entry.outcome.as_str())
        .bind(i32::from(entry.status_code))
        .bind(entry.duration_ms)
        .bind(entry.detail.as_str())
        .bind(body.as_deref())
        .bind(entry.replay_of)
        .bind(column(&moves, |m| m.0.as_str()))
        .bind(column(&moves, |m| m.1.as_str()))
        .bind(column(&moves, |m| m.2.as_str()))
        .bind(column(&moves, |m| m.3.as_str()))
        .fetch_all(tx)
        .await?;
    rows.into_iter()
        .map(|(store, sku, balance)| {
            let store = StoreId::parse(&store)
                .map_err(|e| StoreError::Corrupt(format!("ledger store {store:?}: {e}")))?;
            let sku = Sku::parse(&sku)
                .map_err(|e| StoreError::Corrupt(format!("ledger sku {sku:?}: {e}")))?;
            Ok((store, sku, parse_decimal(&balance)?))
        })
        .collect()
}
