//! A picker's tap on the board: take, finish, hand over, put back. Under the order's lock (the
//! one its events take, so a tap and a cancellation never cross), the pure
//! `domain::picking::decide` says what the tap does; the picking and the journal row commit
//! together. A refused tap is journaled too: who tried what, and who had the order.

use super::{Actor, entry};
use crate::domain::{
    OrderId, PickingAction, PickingDecision, PickingRefusal, Status, picking::decide,
};
use crate::store::{ActionStore, StoreError};
use chrono::{DateTime, Utc};
use serde_json::json;

/// How a tap ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tapped {
    /// Done (or already so: `changed` is false then). The number is the partner's, for the
    /// board's words.
    Done {
        decision: PickingDecision,
        number: Option<String>,
    },
    Refused(PickingRefusal),
    /// No such order, or another store's: a store's staff never learn which.
    NotFound,
}

impl Tapped {
    fn status_code(&self) -> u16 {
        match self {
            Tapped::Done { .. } => 200,
            Tapped::Refused(_) => 409,
            Tapped::NotFound => 404,
        }
    }
}

/// The refusal in the journal's words.
fn refusal_text(refusal: &PickingRefusal) -> String {
    match refusal {
        PickingRefusal::OrderClosed(status) => format!("refused: the order is {}", status.as_str()),
        PickingRefusal::TakenBy { picker, .. } => format!("refused: {picker} has it"),
        PickingRefusal::Finished { .. } => "refused: already assembled".to_owned(),
        PickingRefusal::NotTaken => "refused: nobody has taken it".to_owned(),
    }
}

fn action_text(action: &PickingAction) -> String {
    match action {
        PickingAction::Take(picker) => format!("{picker} takes it"),
        PickingAction::Finish(picker) => format!("{picker} finished it"),
        PickingAction::HandOver(picker) => format!("handed over to {picker}"),
        PickingAction::PutBack => "put back among the untaken orders".to_owned(),
    }
}

/// `action` on `order` of `store_id` (the board it was tapped on), by `actor`.
pub async fn tap(
    store: &dyn ActionStore,
    store_id: &str,
    order: &OrderId,
    action: &PickingAction,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Tapped, StoreError> {
    let mut tx = store.begin_action().await?;
    let subject = tx.picking_subject(order).await?.filter(|subject| {
        subject.document.store_id.as_ref().map(|id| id.as_str()) == Some(store_id)
    });
    let Some(subject) = subject else {
        // Nothing of another store's order is journaled under this store's name either.
        return Ok(Tapped::NotFound);
    };
    let document = &subject.document;
    let status: Status = document.status();
    let tapped = match decide(
        &subject.picking,
        status,
        document.expected_assembly_time,
        action,
        now,
    ) {
        Ok(decision) => {
            if decision.changed {
                tx.save_picking(order, store_id, &decision.picking, now)
                    .await?;
            }
            Tapped::Done {
                decision,
                number: document.number.clone(),
            }
        }
        Err(refusal) => Tapped::Refused(refusal),
    };
    let detail = match &tapped {
        Tapped::Done { decision, .. } if !decision.changed => {
            format!("{} (already so)", action_text(action))
        }
        Tapped::Refused(refusal) => format!("{}: {}", action_text(action), refusal_text(refusal)),
        _ => action_text(action),
    };
    let number = document.number.as_deref().unwrap_or("-");
    tx.journal(&entry(
        now,
        &format!("console.picking.{}", action.as_str()),
        Some(order.as_str()),
        tapped.status_code(),
        format!("{number}: {detail}"),
        actor,
        json!({"store": store_id, "number": document.number, "picker": picker_of(action)}),
    ))
    .await?;
    tx.commit().await?;
    metrics::counter!(
        crate::telemetry::names::PICKING_ACTIONS,
        "action" => action.as_str(),
        "result" => match &tapped {
            Tapped::Done { .. } => "done",
            Tapped::Refused(_) => "refused",
            Tapped::NotFound => "not_found",
        }
    )
    .increment(1);
    Ok(tapped)
}

fn picker_of(action: &PickingAction) -> Option<&str> {
    match action {
        PickingAction::Take(picker)
        | PickingAction::Finish(picker)
        | PickingAction::HandOver(picker) => Some(picker.as_str()),
        PickingAction::PutBack => None,
    }
}
