//! An order's whole story, as the console's `/orders/{key}` and `order story` tell it: finding
//! the order the operator means, then its journal rows and notices beside the document.

use super::{JournalFilter, JournalRow, OrderKey, OrderRecord, OutboxFilter, OutboxRow};
use super::{ReadSide, StoreError};

/// What a bare key (a marketplace id or a partner number) names.
#[derive(Debug, Clone)]
pub enum Lookup {
    None,
    One(Box<OrderRecord>),
    /// The key is one order's marketplace id and another's number: the reader chooses.
    Two {
        by_id: Box<OrderRecord>,
        by_number: Box<OrderRecord>,
    },
}

/// The order whose id or whose number `key` is.
pub async fn lookup(store: &dyn ReadSide, key: &str) -> Result<Lookup, StoreError> {
    let by_id = store.order(OrderKey::Id(key)).await?;
    let by_number = store.order(OrderKey::Number(key)).await?;
    Ok(match (by_id, by_number) {
        (Some(by_id), Some(by_number))
            if by_id.document.original_order_id != by_number.document.original_order_id =>
        {
            Lookup::Two {
                by_id: Box::new(by_id),
                by_number: Box::new(by_number),
            }
        }
        (Some(record), _) | (None, Some(record)) => Lookup::One(Box::new(record)),
        (None, None) => Lookup::None,
    })
}

/// The document with every journal row (oldest first) and every notice of the order.
#[derive(Debug, Clone)]
pub struct Story {
    pub record: OrderRecord,
    pub journal: Vec<JournalRow>,
    pub notices: Vec<OutboxRow>,
}

pub async fn story(store: &dyn ReadSide, record: OrderRecord) -> Result<Story, StoreError> {
    let id = record.document.original_order_id.as_str().to_owned();
    let mut journal = store
        .journal(&JournalFilter {
            order_id: Some(id.clone()),
            limit: None,
        })
        .await?;
    journal.reverse();
    let notices = store
        .outbox(&OutboxFilter {
            status: None,
            order_id: Some(id),
        })
        .await?;
    Ok(Story {
        record,
        journal,
        notices,
    })
}
