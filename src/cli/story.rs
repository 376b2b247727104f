//! `order story KEY`: the console's `/orders/{key}` in the terminal — the document, its history,
//! every journal row with its body, every notice. `--json`: `order`, `history`, `journal`,
//! `notices`.

use super::Output;
use super::order::{order_by_either, order_output};
use crate::store::ReadSide;
use crate::store::story::story;
use serde_json::{Value, json};

/// A body pretty-printed when it is JSON, indented under its journal row.
fn indented(body: &str) -> String {
    let pretty = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| body.to_owned());
    pretty
        .lines()
        .map(|line| format!("      {line}\n"))
        .collect()
}

pub(super) async fn output(store: &dyn ReadSide, key: &str) -> anyhow::Result<Output> {
    let record = order_by_either(store, key).await?;
    let shown = order_output(&record)?;
    let story = story(store, record).await?;
    let mut order = shown.json;
    if let Value::Object(map) = &mut order {
        map.remove("history");
    }
    let mut text = shown.text;
    text.push_str(&format!("journal ({} rows):\n", story.journal.len()));
    for row in &story.journal {
        text.push_str(&format!(
            "  {} {:<16} {:<11} {} {} ms {}\n",
            row.at.format("%Y-%m-%d %H:%M:%S"),
            row.event_type.as_deref().unwrap_or("-"),
            row.outcome.as_str(),
            row.status_code,
            row.duration_ms,
            row.detail
        ));
        if let Some(body) = &row.body {
            text.push_str(&indented(body));
        }
    }
    text.push_str(&format!("notices ({}):\n", story.notices.len()));
    for notice in &story.notices {
        text.push_str(&format!(
            "  #{:<6} {:<10} chat {:<16} {:<8} attempts={}{}\n",
            notice.id,
            notice.kind.as_str(),
            notice.chat,
            notice.status.as_str(),
            notice.attempts,
            notice
                .last_error
                .as_deref()
                .map(|e| format!(" last error: {e}"))
                .unwrap_or_default()
        ));
    }
    Ok(Output {
        json: json!({
            "order": order,
            "history": story.record.history,
            "journal": story.journal,
            "notices": story.notices,
        }),
        text: text.trim_end().to_owned(),
    })
}
