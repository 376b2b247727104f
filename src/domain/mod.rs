//! The partner's order rules, with no I/O and no clock: `apply(document, event, context)`
//! returns a [`Decision`] that the store commits in one transaction.

pub mod apply;
pub mod composition;
pub mod context;
pub mod decision;
pub mod event;
pub mod ids;
pub mod measure;
pub mod notice_draft;
pub mod order;
pub mod picking;
pub mod picking_numbers;
pub mod replacement;

#[cfg(test)]
mod apply_props;
#[cfg(test)]
mod apply_tests;
#[cfg(test)]
mod measure_tests;

pub use apply::{apply, needs_number};
pub use composition::{HeaderChange, LineChange};
pub use context::{Catalog, CatalogItem, Context, Destination, Routing, Settings, StoreRoute};
pub use decision::{Answer, Decision, HistoryNote, Notice, NoticeKind, Outcome, StockMove};
pub use event::{
    CancelNotice, EventBody, EventKind, OrderEvent, Payment, Position, Reference, Snapshot,
};
pub use ids::{IdError, OrderId, Sku, StoreId};
pub use measure::{Measure, measure};
pub use notice_draft::{NoticeBody, NoticeDraft, NoticedOrder};
pub use order::{ACTOR, Cancellation, OrderDocument, OrderHeader, OrderLine, Status, Totals};
pub use picking::{PickerName, Picking, PickingAction, PickingDecision, PickingRefusal};
pub use replacement::ReplacementPolicy;
