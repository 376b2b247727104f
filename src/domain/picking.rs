//! Who picks an order in the store, and when picking started and ended: the store's own work on
//! an order, beside the marketplace's events. A picker takes an order, finishes it, hands it to
//! another picker or puts it back; `decide` says what an action does to the order's picking,
//! or why it is refused, with no I/O and no clock.

use super::Status;
use chrono::{DateTime, Utc};
use std::fmt;

/// A picker's name as the store's staff chose or typed it: 1–64 characters, trimmed, no
/// control characters (it is shown on every board and written in the journal).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PickerName(String);

pub const PICKER_NAME_LIMIT: usize = 64;

impl PickerName {
    pub fn parse(text: &str) -> Result<PickerName, &'static str> {
        let name = text.trim();
        if name.is_empty() {
            return Err("the picker's name is empty");
        }
        if name.chars().count() > PICKER_NAME_LIMIT {
            return Err("the picker's name is longer than 64 characters");
        }
        if name.chars().any(char::is_control) {
            return Err("the picker's name has a control character");
        }
        Ok(PickerName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PickerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An order's picking as the store works it. No row at all reads as `Picking::default()`:
/// nobody has taken it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Picking {
    /// Who has the order now (kept after it is finished: who assembled it).
    pub picker: Option<PickerName>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Who pressed «Собран» (usually the picker; a manager may close it for them).
    pub finished_by: Option<PickerName>,
    /// The assembly time promised to the marketplace, kept beside the times it is judged by.
    pub due_at: Option<DateTime<Utc>>,
}

impl Picking {
    /// Taken and not finished: someone is at the shelves with it.
    pub fn in_progress(&self) -> bool {
        self.picker.is_some() && self.finished_at.is_none()
    }

    /// Nobody has it, and nobody assembled it.
    pub fn untaken(&self) -> bool {
        self.picker.is_none() && self.finished_at.is_none()
    }
}

/// What a picker (or a manager for them) does to an order on the board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickingAction {
    /// «Взять в сборку».
    Take(PickerName),
    /// «Собран», pressed by this picker.
    Finish(PickerName),
    /// «Передать»: another picker goes on with it; the start is kept.
    HandOver(PickerName),
    /// «Вернуть»: back among the untaken orders (also how a cancelled order's alarm is answered
    /// once the goods are back on the shelves).
    PutBack,
}

impl PickingAction {
    /// As the journal and the metrics name it.
    pub fn as_str(&self) -> &'static str {
        match self {
            PickingAction::Take(_) => "take",
            PickingAction::Finish(_) => "finish",
            PickingAction::HandOver(_) => "hand_over",
            PickingAction::PutBack => "put_back",
        }
    }
}

/// Why an action was not done, in terms the store's staff are told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickingRefusal {
    /// Cancelled, or already with the courier or delivered: nothing to pick.
    OrderClosed(Status),
    /// Another picker has it.
    TakenBy {
        picker: PickerName,
        since: Option<DateTime<Utc>>,
    },
    /// Finished already; put it back first to pick it again.
    Finished {
        picker: Option<PickerName>,
        at: DateTime<Utc>,
    },
    /// Finish or hand over an order nobody has taken.
    NotTaken,
}

/// What an action did: the picking to keep, and whether anything changed (a repeated tap
/// changes nothing and is answered the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickingDecision {
    pub picking: Picking,
    pub changed: bool,
}

/// Whether the order can still be picked: it is neither cancelled nor gone with the courier.
fn open(status: Status) -> bool {
    matches!(status, Status::New | Status::Paid)
}

/// What `action` does to an order in `status` whose picking is `current`, at `now`; `due_at`
/// is the promised assembly time, kept with a fresh take.
pub fn decide(
    current: &Picking,
    status: Status,
    due_at: Option<DateTime<Utc>>,
    action: &PickingAction,
    now: DateTime<Utc>,
) -> Result<PickingDecision, PickingRefusal> {
    let same = || {
        Ok(PickingDecision {
            picking: current.clone(),
            changed: false,
        })
    };
    let to = |picking: Picking| {
        Ok(PickingDecision {
            changed: picking != *current,
            picking,
        })
    };
    let finished = |at: DateTime<Utc>| PickingRefusal::Finished {
        picker: current.picker.clone(),
        at,
    };
    match action {
        PickingAction::PutBack => {
            if current.untaken() {
                same()
            } else {
                to(Picking {
                    due_at: current.due_at.or(due_at),
                    ..Picking::default()
                })
            }
        }
        _ if !open(status) => Err(PickingRefusal::OrderClosed(status)),
        PickingAction::Take(picker) => match (&current.picker, current.finished_at) {
            (_, Some(at)) => Err(finished(at)),
            (Some(holder), None) if holder == picker => same(),
            (Some(holder), None) => Err(PickingRefusal::TakenBy {
                picker: holder.clone(),
                since: current.started_at,
            }),
            (None, None) => to(Picking {
                picker: Some(picker.clone()),
                started_at: Some(now),
                finished_at: None,
                finished_by: None,
                due_at,
            }),
        },
        PickingAction::Finish(by) => match (&current.picker, current.finished_at) {
            (_, Some(_)) => same(),
            (None, None) => Err(PickingRefusal::NotTaken),
            (Some(_), None) => to(Picking {
                finished_at: Some(now),
                finished_by: Some(by.clone()),
                due_at: current.due_at.or(due_at),
                ..current.clone()
            }),
        },
        PickingAction::HandOver(to_picker) => match (&current.picker, current.finished_at) {
            (_, Some(at)) => Err(finished(at)),
            (None, None) => Err(PickingRefusal::NotTaken),
            (Some(holder), None) if holder == to_picker => same(),
            (Some(_), None) => to(Picking {
                picker: Some(to_picker.clone()),
                ..current.clone()
            }),
        },
    }
}

#[cfg(test)]
#[path = "picking_tests.rs"]
mod tests;
