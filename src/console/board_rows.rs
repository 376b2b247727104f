//! A board's rows, every value in the store staff's words, in the order a store manager reads
//! them at the evening peak: a cancelled order someone is picking first (the loudest thing on
//! the board), then the orders to pick by their promised assembly time (untaken first among
//! equals), then the assembled ones waiting for the courier, then the rest. Pure: the time
//! comes in.

use super::story::path_segment;
use super::words::status_text;
use crate::domain::{Catalog, OrderDocument, Picking, Status, measure};
use crate::notice::{money_text, quantity_text, window_text};
use crate::store::BoardOrder;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

/// Less than this left to the promised assembly time turns the countdown amber.
pub const DUE_SOON: Duration = Duration::minutes(10);

/// Where an order stands in the store's work, as the board's markup says it (`data-state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Cancelled while someone has it: stop, and put the goods back.
    Alarm,
    Untaken,
    Picking,
    Assembled,
    /// With the courier, delivered or cancelled: nothing to pick.
    Closed,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Alarm => "alarm",
            Stage::Untaken => "untaken",
            Stage::Picking => "picking",
            Stage::Assembled => "assembled",
            Stage::Closed => "closed",
        }
    }

    fn of(document: &OrderDocument, picking: &Picking) -> Stage {
        match document.status() {
            Status::Cancelled if picking.picker.is_some() => Stage::Alarm,
            Status::New | Status::Paid if picking.finished_at.is_some() => Stage::Assembled,
            Status::New | Status::Paid if picking.picker.is_some() => Stage::Picking,
            Status::New | Status::Paid => Stage::Untaken,
            _ => Stage::Closed,
        }
    }
}

/// One order's row.
pub struct Row {
    pub order_id: String,
    /// The order id as a path segment of the board's action URLs.
    pub order_path: String,
    pub number: String,
    pub status: &'static str,
    pub stage: Stage,
    pub came_in: String,
    pub assembly: String,
    /// The promised assembly time in milliseconds since 1970, for `board.js`'s countdown.
    pub due_ms: Option<i64>,
    /// `осталось 12 мин` or `просрочен на 5 мин`; empty when nothing is to pick.
    pub left: String,
    /// `due-soon` (amber), `overdue` (red) or empty.
    pub due_class: &'static str,
    /// `Анна · в сборке с 18:05`, `Собран в 18:40 · Анна`, or empty.
    pub picking: String,
    /// Who has it, for the alarm of a cancelled order.
    pub picker: Option<String>,
    pub window: String,
    pub lines: usize,
    pub total: String,
    pub cancelled: bool,
    /// What changed since it came in; empty when nothing did.
    pub changes: Vec<String>,
    /// `cancelled`, `changed`, `alarm`: the contract with `board.js` and the CSS.
    pub class: String,
}

impl Row {
    pub fn can_take(&self) -> bool {
        self.stage == Stage::Untaken
    }

    pub fn can_finish(&self) -> bool {
        self.stage == Stage::Picking
    }

    pub fn can_hand_over(&self) -> bool {
        self.stage == Stage::Picking
    }

    /// A put back: from picking, from assembled (to pick again), and the answer to an alarm
    /// once the goods are back on the shelves.
    pub fn can_put_back(&self) -> bool {
        matches!(self.stage, Stage::Picking | Stage::Assembled | Stage::Alarm)
    }
}

/// A time of today as `14:05`, of another day as `23.11 14:05`.
pub fn clock_text(at: DateTime<Utc>, zone: Tz, now: DateTime<Utc>) -> String {
    let local = at.with_timezone(&zone);
    if local.date_naive() == now.with_timezone(&zone).date_naive() {
        local.format("%H:%M").to_string()
    } else {
        local.format("%d.%m %H:%M").to_string()
    }
}

/// The history's change notes in the store staff's words. The notes are the domain's
/// (`describe_line_change`, `describe_header_change`); a picker needs to know what to look at
/// again, not the whole difference, which the order's page and the Telegram notice carry.
pub(super) fn change_words(
    document: &OrderDocument,
    notes: &[String],
    catalog: &Catalog,
) -> Vec<String> {
    let mut words: Vec<String> = document
        .lines
        .iter()
        .filter(|line| line.quantity != line.original_quantity)
        .map(|line| {
            // Worded in the unit the notices and the sheet use for this line.
            let unit = measure(line, catalog);
            format!(
                "{}: {} {unit} → {} {unit}",
                line.name.as_deref().unwrap_or(line.sku.as_str()),
                quantity_text(line.original_quantity),
                quantity_text(line.quantity),
                unit = unit.unit()
            )
        })
        .collect();
    const KINDS: [(&str, &str); 8] = [
        (" added", "добавлен товар"),
        (" removed", "убран товар"),
        (" quantity ", "количество"),
        (" price ", "цена"),
        ("delivery window", "время доставки"),
        ("address", "адрес"),
        ("comment", "комментарий"),
        ("replacement policy", "замены"),
    ];
    for note in notes.iter().flat_map(|note| note.split("; ")) {
        let said = KINDS
            .iter()
            .find(|(english, _)| note.contains(english))
            .map_or("данные клиента или суммы", |(_, russian)| *russian);
        let covered = said == "количество" && !words.is_empty();
        if !covered && !words.iter().any(|word| word == said) {
            words.push(said.to_owned());
        }
    }
    words
}

/// Whole minutes, rounded up: `0:30` left is still «1 мин».
fn minutes_up(duration: Duration) -> i64 {
    (duration.num_seconds() + 59).div_euclid(60)
}

/// `1 ч 05 мин`, `12 мин`.
fn span_text(minutes: i64) -> String {
    if minutes >= 60 {
        format!("{} ч {:02} мин", minutes / 60, minutes % 60)
    } else {
        format!("{minutes} мин")
    }
}

/// The countdown to the promised assembly time: its words and its colour. `board.js` counts
/// the same way between refreshes (`assets/console/board.js`, `countdown`).
pub fn countdown(due: DateTime<Utc>, now: DateTime<Utc>) -> (String, &'static str) {
    let left = due - now;
    if left <= Duration::zero() {
        let late = minutes_up(-left).max(1);
        (format!("просрочен на {}", span_text(late)), "overdue")
    } else if left <= DUE_SOON {
        (
            format!("осталось {}", span_text(minutes_up(left))),
            "due-soon",
        )
    } else {
        (format!("осталось {}", span_text(minutes_up(left))), "")
    }
}

fn picking_text(picking: &Picking, zone: Tz, now: DateTime<Utc>) -> String {
    match (&picking.picker, picking.started_at, picking.finished_at) {
        (Some(picker), _, Some(done)) => {
            format!("Собран в {} · {picker}", clock_text(done, zone, now))
        }
        (Some(picker), Some(since), None) => {
            format!("{picker} · в сборке с {}", clock_text(since, zone, now))
        }
        _ => String::new(),
    }
}

pub fn row(order: &BoardOrder, catalog: &Catalog, zone: Tz, now: DateTime<Utc>) -> Row {
    let document = &order.document;
    let changes = change_words(document, &order.changes, catalog);
    let stage = Stage::of(document, &order.picking);
    let mut classes = Vec::new();
    if document.cancelled {
        classes.push("cancelled");
    }
    if !changes.is_empty() {
        classes.push("changed");
    }
    if stage == Stage::Alarm {
        classes.push("alarm");
    }
    let due = document.expected_assembly_time;
    let (left, due_class) = match (due, stage) {
        (Some(due), Stage::Untaken | Stage::Picking) => countdown(due, now),
        _ => (String::new(), ""),
    };
    Row {
        order_id: document.original_order_id.as_str().to_owned(),
        order_path: path_segment(document.original_order_id.as_str()),
        number: document.number.clone().unwrap_or_else(|| "—".to_owned()),
        status: status_text(document.status()),
        stage,
        came_in: clock_text(document.created_at, zone, now),
        assembly: due.map_or_else(|| "—".to_owned(), |at| clock_text(at, zone, now)),
        due_ms: due.map(|at| at.timestamp_millis()),
        left,
        due_class,
        picking: picking_text(&order.picking, zone, now),
        picker: order.picking.picker.as_ref().map(|p| p.as_str().to_owned()),
        window: window_text(
            document.header.delivery_from,
            document.header.delivery_to,
            zone,
        ),
        lines: document.lines.len(),
        total: document.total().map_or_else(|| "—".to_owned(), money_text),
        cancelled: document.cancelled,
        changes,
        class: classes.join(" "),
    }
}

/// The board's order: by stage, then what is due first, untaken before taken among equals,
/// then as they came in.
pub fn sorted_rows(
    orders: &[BoardOrder],
    catalog: &Catalog,
    zone: Tz,
    now: DateTime<Utc>,
) -> Vec<Row> {
    let mut keyed: Vec<_> = orders
        .iter()
        // A cancellation whose creation never arrived: nobody was ever asked to pick it.
        .filter(|order| order.document.number.is_some())
        .map(|order| {
            let document = &order.document;
            let stage = Stage::of(document, &order.picking);
            let group = match stage {
                Stage::Untaken | Stage::Picking => Stage::Untaken,
                other => other,
            };
            // Orders due in the same minute are equals: the untaken one goes first.
            let due_minute = document
                .expected_assembly_time
                .map_or(i64::MAX, |due| due.timestamp().div_euclid(60));
            let key = (group, due_minute, stage, document.created_at);
            (key, row(order, catalog, zone, now))
        })
        .collect();
    keyed.sort_by_key(|(key, _)| *key);
    keyed.into_iter().map(|(_, row)| row).collect()
}

#[cfg(test)]
#[path = "board_rows_tests.rs"]
mod tests;
