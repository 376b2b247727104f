//! The pre-flight conformance check: a handful of requests, each answer compared with what the
//! marketplace relies on, before a partner gives the marketplace the hook's URL.

use super::bodies::{self, Marking};
use super::marketplace::Marketplace;
use super::plan::Event;
use super::verdict::{partner_number, shape_problem};
use serde::Serialize;

/// A token no deployment accepts.
const WRONG_TOKEN: &str = "orders-hook-simulate-wrong-token";

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CheckLine {
    pub name: String,
    pub pass: bool,
    pub expected: String,
    pub got: String,
}

impl CheckLine {
    pub fn text(&self) -> String {
        format!(
            "{} {}: expected {}; got {}",
            if self.pass { "PASS" } else { "FAIL" },
            self.name,
            self.expected,
            self.got
        )
    }
}

/// Runs every check in turn against `url` with `token`; a check never stops the others.
pub async fn check(url: &str, token: &str, marking: Marking) -> anyhow::Result<Vec<CheckLine>> {
    let market = Marketplace::new(url, token, marking, 0.0, 4)?;
    let order = market.marking.order_id(1);
    let store = market.marking.store_id.clone();
    let body = |event: Event, order: &str| bodies::body(event, order, &store, 1).to_string();
    let mut lines = Vec::new();

    let answer = market
        .post(WRONG_TOKEN, &body(Event::Created, &order))
        .await;
    lines.push(status_line("a wrong Client-token is refused", 403, &answer));

    let created = body(Event::Created, &order);
    let first = market.post(token, &created).await;
    lines.push(shaped_line(
        "order.created answers the number",
        Event::Created,
        &first,
    ));

    let again = market.post(token, &created).await;
    lines.push(CheckLine {
        name: "a repeated order.created gets the same answer".into(),
        pass: matches!((&first, &again), (Ok((200, a)), Ok((200, b)))
            if partner_number(a).is_some() && partner_number(a) == partner_number(b)),
        expected: format!("the first answer again ({})", shown(&first)),
        got: shown(&again),
    });

    for event in [
        Event::Updated,
        Event::Paid,
        Event::Received,
        Event::Delivered,
    ] {
        let answer = market.post(token, &body(event, &order)).await;
        lines.push(shaped_line(
            &format!("{} answers an empty 200", event.wire_name()),
            event,
            &answer,
        ));
    }

    let unknown_order = market.marking.order_id(2);
    let answer = market
        .post(token, &body(Event::Updated, &unknown_order))
        .await;
    lines.push(status_line(
        "order.updated for an unknown order is 404",
        404,
        &answer,
    ));

    let answer = market
        .post(token, &body(Event::Unknown("courier.assigned"), &order))
        .await;
    lines.push(status_line(
        "an unknown event type (courier.assigned) is accepted",
        200,
        &answer,
    ));
    Ok(lines)
}

fn shown(answer: &Result<(u16, String), String>) -> String {
    match answer {
        Ok((status, body)) if body.is_empty() => format!("{status} with an empty body"),
        Ok((status, body)) => format!("{status} {}", body.chars().take(160).collect::<String>()),
        Err(kind) => format!("no answer ({kind})"),
    }
}

fn status_line(name: &str, expected: u16, answer: &Result<(u16, String), String>) -> CheckLine {
    CheckLine {
        name: name.to_owned(),
        pass: matches!(answer, Ok((status, _)) if *status == expected),
        expected: expected.to_string(),
        got: shown(answer),
    }
}

fn shaped_line(name: &str, event: Event, answer: &Result<(u16, String), String>) -> CheckLine {
    let (pass, expected) = match event {
        Event::Created => (
            matches!(answer, Ok((200, body)) if shape_problem(event, body).is_none()),
            r#"200 {"status":"created","number":"…","expectedAssemblyTime":"<RFC 3339>"}"#,
        ),
        _ => (
            matches!(answer, Ok((200, body)) if shape_problem(event, body).is_none()),
            "200 with an empty body",
        ),
    };
    let got = match answer {
        Ok((200, body)) => match shape_problem(event, body) {
            Some(problem) => format!("200 with {problem}"),
            None => shown(answer),
        },
        _ => shown(answer),
    };
    CheckLine {
        name: name.to_owned(),
        pass,
        expected: expected.to_owned(),
        got,
    }
}
