//! What a notice tells the store, before any wording: the domain decides who is told what, and
//! `crate::notice` words it for Telegram. Nothing here is HTML or knows a message's size.

use super::composition::{HeaderChange, LineChange};
use super::context::{Catalog, Context, Destination};
use super::decision::NoticeKind;
use super::ids::{OrderId, StoreId};
use super::order::{Cancellation, OrderDocument, OrderHeader, OrderLine, Totals};

/// One notice to the chats of one store.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeDraft {
    /// Unique per order and chat (`created`, `changed:{revision}`, `cancelled`): the outbox keeps
    /// each notice once, and each part of a long one once (`created#2/3`).
    pub dedup_key: String,
    pub order: NoticedOrder,
    /// The chats (never empty), the store's name and its clock.
    pub destination: Destination,
    /// The store's own names and units for the products, as far as its catalog knows them.
    pub catalog: Catalog,
    pub body: NoticeBody,
}

/// The ids that every notice names, so a picker can find the order in either system.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticedOrder {
    pub original_order_id: OrderId,
    pub number: Option<String>,
    pub store_id: Option<StoreId>,
}

/// What happened to the order, with what the pickers need to act on it.
#[derive(Debug, Clone, PartialEq)]
pub enum NoticeBody {
    /// A new order: the whole list to pick, the window, the comment, the total.
    Created {
        header: OrderHeader,
        lines: Vec<OrderLine>,
        totals: Totals,
    },
    /// Only what changed, lines first.
    Changed {
        lines: Vec<LineChange>,
        header: Vec<HeaderChange>,
    },
    /// Stop picking and put the goods back.
    Cancelled { cancellation: Option<Cancellation> },
}

impl NoticeDraft {
    pub fn kind(&self) -> NoticeKind {
        match self.body {
            NoticeBody::Created { .. } => NoticeKind::Created,
            NoticeBody::Changed { .. } => NoticeKind::Changed,
            NoticeBody::Cancelled { .. } => NoticeKind::Cancelled,
        }
    }
}

/// The notice for the order's store, if it has a chat, and the warnings an unrouted store
/// deserves. A store without a chat gets no draft at all, so an empty list means "nobody told".
pub(super) fn draft(
    doc: &OrderDocument,
    dedup_key: String,
    body: NoticeBody,
    ctx: &Context,
) -> (Vec<NoticeDraft>, Vec<String>) {
    let destination = ctx.routing.destination(doc.store_id.as_ref());
    let mut warnings = Vec::new();
    if destination.unrouted {
        let store = doc.store_id.as_ref().map_or("(none)", |s| s.as_str());
        warnings.push(match destination.chats.first() {
            Some(chat) => {
                format!("store {store} has no routing: notice goes to default chat {chat}")
            }
            None => format!(
                "store {store} has no routing and no default chat is set: notice not queued"
            ),
        });
    }
    if destination.chats.is_empty() {
        return (Vec::new(), warnings);
    }
    let catalog = match body {
        NoticeBody::Cancelled { .. } => Catalog::new(),
        _ => ctx.catalog.clone(),
    };
    let draft = NoticeDraft {
        dedup_key,
        order: NoticedOrder {
            original_order_id: doc.original_order_id.clone(),
            number: doc.number.clone(),
            store_id: doc.store_id.clone(),
        },
        destination,
        catalog,
        body,
    };
    (vec![draft], warnings)
}
