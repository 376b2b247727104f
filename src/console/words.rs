//! The console's words: every stored value a person reads on a page (an order's status and
//! replacement policy, an event type, a journal outcome, a notice's kind and outbox status, a
//! one-time link's state) in Russian, in one place. The stored spelling stays in reach as a
//! tooltip (`Word::raw`); the JSON of the CLI keeps the spellings alone.

use crate::domain::{EventKind, NoticeKind, Outcome, ReplacementPolicy, Status};
use crate::notice::replacement_policy_text;
use crate::store::OutboxStatus;

/// The journal's event type of an operator's re-queue (`operator::retry`).
/// The actions people take (`actions`), as the journal names them after `console.` or `cli.`.
const ACTIONS: [(&str, &str); 7] = [
    ("outbox.retry", "Уведомление отправлено снова"),
    ("picking.take", "Взят в сборку"),
    ("picking.finish", "Собран"),
    ("picking.hand_over", "Передан другому сборщику"),
    ("picking.put_back", "Возвращён в очередь сборки"),
    ("link.create", "Создана ссылка для входа"),
    ("link.revoke", "Отозвана ссылка для входа"),
];

/// An action's words: `console.picking.take` is «Взят в сборку», `cli.outbox.retry`
/// «Уведомление отправлено снова (из командной строки)».
fn action_text(raw: &str) -> Option<String> {
    let (via, action) = raw.split_once('.')?;
    let (_, said) = ACTIONS.iter().find(|(name, _)| *name == action)?;
    match via {
        "console" => Some((*said).to_owned()),
        "cli" => Some(format!("{said} (из командной строки)")),
        _ => None,
    }
}

/// A value as the page says it, and as it is stored (the `title` tooltip, a CSS class).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub said: String,
    pub raw: String,
}

impl Word {
    fn new(said: impl Into<String>, raw: impl Into<String>) -> Word {
        Word {
            said: said.into(),
            raw: raw.into(),
        }
    }
}

/// The status as the store staff say it.
pub fn status_text(status: Status) -> &'static str {
    match status {
        Status::New => "Новый",
        Status::Paid => "Оплачен",
        Status::Shipped => "Передан курьеру",
        Status::Delivered => "Доставлен",
        Status::Cancelled => "Отменён",
    }
}

pub fn status(status: Status) -> Word {
    Word::new(status_text(status), status.as_str())
}

/// In the pickers' words, as the notices say it; a spelling added later is shown as it came.
pub fn policy(policy: &ReplacementPolicy) -> Word {
    let said = match policy {
        // `replacement_policy_text` escapes it for Telegram's HTML; the template escapes here.
        ReplacementPolicy::Other(raw) => raw.clone(),
        known => replacement_policy_text(known),
    };
    Word::new(said, policy.as_str())
}

pub fn event_kind_text(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Created => "Новый заказ",
        EventKind::Changed => "Заказ изменён",
        EventKind::Paid => "Заказ оплачен",
        EventKind::Received => "Передан курьеру",
        EventKind::Delivered => "Доставлен",
        EventKind::Cancelled => "Заказ отменён",
    }
}

/// An event type as the journal keeps it, in either marketplace spelling (`order.updated` and
/// `order.changed`); a type the hook only journals (`courier.assigned`) is shown as it came.
pub fn event(raw: &str) -> Word {
    let said = match crate::protocol::event_kind(raw) {
        Some(kind) => event_kind_text(kind).to_owned(),
        None => action_text(raw).unwrap_or_else(|| raw.to_owned()),
    };
    Word::new(said, raw)
}

pub fn outcome_text(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Applied => "Принято",
        Outcome::Duplicate => "Повтор",
        Outcome::Ignored => "Пропущено",
        Outcome::Stale => "Устарело",
        Outcome::NotFound => "Заказ не найден",
        Outcome::Invalid => "Ошибка в запросе",
        Outcome::Unavailable => "База недоступна",
        Outcome::Operator => "Действие сотрудника",
    }
}

pub fn outcome(outcome: Outcome) -> Word {
    Word::new(outcome_text(outcome), outcome.as_str())
}

pub fn outbox_status(status: OutboxStatus) -> Word {
    let said = match status {
        OutboxStatus::Pending => "Ждёт отправки",
        OutboxStatus::Sent => "Отправлено",
        OutboxStatus::Failed => "Не доставлено",
    };
    Word::new(said, status.as_str())
}

pub fn notice_kind(kind: NoticeKind) -> Word {
    let said = match kind {
        NoticeKind::Created => "Новый заказ",
        NoticeKind::Changed => "Изменение",
        NoticeKind::Cancelled => "Отмена",
    };
    Word::new(said, kind.as_str())
}

/// The spellings of `links::state_of` (the CLI's `--json` keeps them).
pub const LINK_STATES: [&str; 4] = ["unused", "used", "expired", "revoked"];

/// A one-time link's state; `raw` is one of `LINK_STATES`.
pub fn link_state(raw: &str) -> Word {
    let said = match raw {
        "unused" => "Действует",
        "used" => "Использована",
        "expired" => "Истекла",
        "revoked" => "Отозвана",
        other => other,
    };
    Word::new(said, raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Russian: a Cyrillic letter, and never the stored spelling itself.
    fn russian(word: &Word) {
        assert!(
            word.said
                .chars()
                .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap())),
            "{word:?}"
        );
        assert_ne!(word.said, word.raw);
    }

    #[test]
    fn every_status_outcome_outbox_status_and_notice_kind_has_a_word() {
        Status::ALL.map(status).iter().for_each(russian);
        Outcome::ALL.map(outcome).iter().for_each(russian);
        OutboxStatus::ALL
            .map(outbox_status)
            .iter()
            .for_each(russian);
        NoticeKind::ALL.map(notice_kind).iter().for_each(russian);
        LINK_STATES.map(link_state).iter().for_each(russian);
    }

    #[test]
    fn every_event_in_either_spelling_has_a_word() {
        for kind in EventKind::ALL {
            russian(&event(kind.as_str()));
        }
        let actions = ACTIONS
            .iter()
            .flat_map(|(name, _)| [format!("console.{name}"), format!("cli.{name}")]);
        for spelling in ["order.updated".to_owned(), "order.canceled".to_owned()]
            .into_iter()
            .chain(actions)
        {
            let spelling = spelling.as_str();
            russian(&event(spelling));
        }
        assert_eq!(event("order.updated").said, event("order.changed").said);
        assert_eq!(event("order.updated").raw, "order.updated");
        let unknown = event("courier.assigned");
        assert_eq!(
            (unknown.said.as_str(), unknown.raw.as_str()),
            ("courier.assigned", "courier.assigned")
        );
    }

    #[test]
    fn every_known_policy_has_a_word_and_a_new_one_is_shown_as_it_came() {
        for spelling in [
            "callOrRemove",
            "callOrReplace",
            "remove",
            "doNotReplace",
            "replace",
        ] {
            let word = policy(&ReplacementPolicy::from(spelling));
            russian(&word);
            assert_eq!(word.raw, spelling);
        }
        let other = policy(&ReplacementPolicy::from("askFirst<b>"));
        assert_eq!(other.said, "askFirst<b>");
    }
}
