//! Telegram's words for what the domain decided to tell: the domain hands over a
//! [`NoticeDraft`] (who, which order, what changed), and this module writes the Russian HTML
//! text, escapes what came from outside, caps it, and cuts a long one into numbered parts under
//! Telegram's 4096. `ingest` renders a decision's drafts in the event's transaction
//! (`ingest::apply`), so the outbox holds finished messages.
//!
//! - `escape`: HTML escaping and the caps on free text, names and labels.
//! - `text`: the texts of a new, changed and cancelled order.
//! - `parts`: the numbered parts, the size budget and the "possible repeat" mark.
//!
//! `text` uses `escape` and `parts`; neither of those uses another file of this module.

mod escape;
mod parts;
mod text;

pub use escape::{escape_html, escape_html_capped};
pub use parts::{REPEAT_MARK, TELEGRAM_TEXT_LIMIT, with_repeat_mark};
/// The console's board and picking sheet word quantities, units, money and windows as the
/// notices do.
pub use text::{money_text, quantity_text, replacement_policy_text, unit_text, window_text};

use crate::domain::{Notice, NoticeBody, NoticeDraft};

/// The outbox rows of one draft: one per chat and part. The parts of a long text get keys of
/// their own (`created#2/3`), so the outbox keeps each once; a chat's parts come one after the
/// other, so the outbox's order is the reading order in every chat.
pub fn render(draft: &NoticeDraft) -> Vec<Notice> {
    let dest = &draft.destination;
    let parts = match &draft.body {
        NoticeBody::Created {
            header,
            lines,
            totals,
        } => text::new_order(&draft.order, header, lines, totals, dest, &draft.catalog),
        NoticeBody::Changed { lines, header } => {
            text::changed_order(&draft.order, lines, header, dest, &draft.catalog)
        }
        NoticeBody::Cancelled { cancellation } => {
            vec![text::cancelled_order(
                &draft.order,
                cancellation.as_ref(),
                dest,
            )]
        }
    };
    let count = parts.len();
    let key = |part: usize| match count {
        1 => draft.dedup_key.clone(),
        _ => format!("{}#{}/{count}", draft.dedup_key, part + 1),
    };
    let kind = draft.kind();
    dest.chats
        .iter()
        .flat_map(|chat| {
            parts.iter().enumerate().map(move |(part, text)| Notice {
                order_id: draft.order.original_order_id.clone(),
                kind,
                chat: chat.clone(),
                dedup_key: key(part),
                text: text.clone(),
            })
        })
        .collect()
}

/// The outbox rows of a decision's drafts, in order.
pub fn render_all(drafts: &[NoticeDraft]) -> Vec<Notice> {
    drafts.iter().flat_map(render).collect()
}
