//! The correctness verdict: from every answer the simulator received (kept or dropped, first
//! copy, repeat or retry), whether the deployment answered as the protocol says.

use super::plan::Event;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// One answer received for one copy of one event.
#[derive(Debug, Clone)]
pub struct Answer {
    pub order: String,
    /// The step's index in the order's lifecycle: all copies and retries of a step share it.
    pub step: usize,
    pub event: Event,
    pub status: u16,
    pub body: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub ok: bool,
    /// Orders with at least one `created` answer carrying a number.
    pub orders_numbered: u64,
    /// Orders whose `created` answers carried more than one number (a second order).
    pub orders_with_several_numbers: u64,
    /// Steps whose 200 answers differed from one copy or retry to the next.
    pub repeats_answered_differently: u64,
    /// 200 answers not shaped as the protocol says.
    pub misshapen_answers: u64,
    /// Events never answered 200 after the seven retries.
    pub undelivered_events: u64,
    /// 4xx answers to events sent in the right order (a 403, a 404 for an order that exists…).
    pub refused_answers: u64,
    /// The first few failures, in words.
    pub failures: Vec<String>,
}

const FAILURES_SHOWN: usize = 20;

/// The shape of a 200 answer, or what is wrong with it.
pub fn shape_problem(event: Event, body: &str) -> Option<String> {
    match event {
        Event::Created => created_problem(body),
        // An unhandled type only has to be accepted: its body is not the marketplace's concern.
        Event::Unknown(_) => None,
        _ if body.trim().is_empty() => None,
        _ => Some(format!("a non-empty body {:?}", abridged(body))),
    }
}

fn created_problem(body: &str) -> Option<String> {
    let Ok(value) = serde_json::from_str::<Value>(body) else {
        return Some(format!("not JSON: {:?}", abridged(body)));
    };
    if value["status"] != "created" {
        return Some(format!("status is {}, not \"created\"", value["status"]));
    }
    match value["number"].as_str() {
        Some(number) if !number.trim().is_empty() => {}
        _ => return Some(format!("number is {}, not a string", value["number"])),
    }
    let time = value["expectedAssemblyTime"].as_str().unwrap_or_default();
    if chrono::DateTime::parse_from_rfc3339(time).is_err() {
        return Some(format!(
            "expectedAssemblyTime is {}, not an RFC 3339 time",
            value["expectedAssemblyTime"]
        ));
    }
    None
}

/// The created answer's `(number, expectedAssemblyTime)`, when it has them.
pub fn partner_number(body: &str) -> Option<(String, String)> {
    let value: Value = serde_json::from_str(body).ok()?;
    Some((
        value["number"].as_str()?.to_owned(),
        value["expectedAssemblyTime"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    ))
}

fn abridged(body: &str) -> String {
    body.chars().take(120).collect()
}

/// The verdict over a run's answers and the number of its events never answered 200.
pub fn judge(answers: &[Answer], undelivered: &[(String, Event)]) -> Verdict {
    let mut verdict = Verdict::default();
    let mut failures = Vec::new();
    let mut numbers: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
    let mut firsts: BTreeMap<(&str, usize), &str> = BTreeMap::new();
    for answer in answers {
        match answer.status {
            200 => {}
            status @ 400..=499 => {
                verdict.refused_answers += 1;
                failures.push(format!(
                    "{} {}: answered {status} {:?}",
                    answer.order,
                    answer.event.wire_name(),
                    abridged(&answer.body)
                ));
                continue;
            }
            _ => continue,
        }
        if let Some(problem) = shape_problem(answer.event, &answer.body) {
            verdict.misshapen_answers += 1;
            failures.push(format!(
                "{} {}: {problem}",
                answer.order,
                answer.event.wire_name()
            ));
            continue;
        }
        if answer.event == Event::Created
            && let Some(number) = partner_number(&answer.body)
        {
            numbers.entry(&answer.order).or_default().push(number);
            continue;
        }
        let first = firsts
            .entry((&answer.order, answer.step))
            .or_insert(&answer.body);
        if !matches!(answer.event, Event::Unknown(_)) && *first != answer.body {
            verdict.repeats_answered_differently += 1;
            failures.push(format!(
                "{} {}: a repeat was answered {:?}, the first copy {:?}",
                answer.order,
                answer.event.wire_name(),
                abridged(&answer.body),
                abridged(first)
            ));
        }
    }
    for (order, answered) in &numbers {
        verdict.orders_numbered += 1;
        let (number, time) = &answered[0];
        if answered.iter().any(|(n, _)| n != number) {
            verdict.orders_with_several_numbers += 1;
            let all: Vec<&str> = answered.iter().map(|(n, _)| n.as_str()).collect();
            failures.push(format!(
                "{order}: created was answered several numbers {all:?}"
            ));
        } else if answered.iter().any(|(_, t)| t != time) {
            verdict.repeats_answered_differently += 1;
            failures.push(format!(
                "{order}: created repeats answered number {number} with different \
                 expectedAssemblyTime values"
            ));
        }
    }
    for (order, event) in undelivered {
        verdict.undelivered_events += 1;
        failures.push(format!(
            "{order} {}: never answered 200 after 7 retries",
            event.wire_name()
        ));
    }
    verdict.ok = failures.is_empty();
    failures.truncate(FAILURES_SHOWN);
    verdict.failures = failures;
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(order: &str, step: usize, event: Event, status: u16, body: &str) -> Answer {
        Answer {
            order: order.into(),
            step,
            event,
            status,
            body: body.into(),
        }
    }

    fn created(number: &str) -> String {
        format!(
            r#"{{"status":"created","number":"{number}","expectedAssemblyTime":"2026-11-30T12:00:00+03:00"}}"#
        )
    }

    #[test]
    fn one_number_per_order_and_empty_answers_is_good() {
        let answers = [
            answer("A", 0, Event::Created, 200, &created("SM-1")),
            answer("A", 0, Event::Created, 200, &created("SM-1")),
            answer("A", 0, Event::Created, 503, ""),
            answer("A", 1, Event::Paid, 200, ""),
            answer("A", 1, Event::Paid, 200, ""),
            answer("A", 2, Event::Unknown("courier.assigned"), 200, "ok"),
            answer("B", 0, Event::Created, 200, &created("SM-2")),
        ];
        let verdict = judge(&answers, &[]);
        assert!(verdict.ok, "{verdict:?}");
        assert_eq!(verdict.orders_numbered, 2);
    }

    #[test]
    fn a_second_number_for_an_order_fails() {
        let answers = [
            answer("A", 0, Event::Created, 200, &created("SM-1")),
            answer("A", 0, Event::Created, 200, &created("SM-2")),
        ];
        let verdict = judge(&answers, &[]);
        assert!(!verdict.ok);
        assert_eq!(verdict.orders_with_several_numbers, 1);
        assert!(verdict.failures[0].contains("several numbers"));
    }

    #[test]
    fn misshapen_answers_fail() {
        let answers = [
            answer("A", 0, Event::Created, 200, r#"{"status":"created"}"#),
            answer("B", 1, Event::Paid, 200, "{}"),
        ];
        let verdict = judge(&answers, &[]);
        assert_eq!(verdict.misshapen_answers, 2);
        assert!(!verdict.ok);
    }

    #[test]
    fn a_refusal_or_an_undelivered_event_fails_but_a_503_alone_does_not() {
        let refused = judge(&[answer("A", 1, Event::Updated, 404, "")], &[]);
        assert_eq!(refused.refused_answers, 1);
        assert!(!refused.ok);
        assert!(judge(&[answer("A", 1, Event::Updated, 503, "")], &[]).ok);
        let lost = judge(&[], &[("A".into(), Event::Paid)]);
        assert_eq!(lost.undelivered_events, 1);
        assert!(!lost.ok);
    }

    #[test]
    fn a_repeat_answered_differently_fails() {
        let answers = [
            answer("A", 1, Event::Paid, 200, ""),
            answer("A", 1, Event::Paid, 200, "changed"),
        ];
        let verdict = judge(&answers, &[]);
        // The second is misshapen (a body), and so not compared again.
        assert_eq!(verdict.misshapen_answers, 1);
        let time_differs = [
            answer("A", 0, Event::Created, 200, &created("SM-1")),
            answer(
                "A",
                0,
                Event::Created,
                200,
                &created("SM-1").replace("12:00", "13:00"),
            ),
        ];
        assert_eq!(judge(&time_differs, &[]).repeats_answered_differently, 1);
    }
}
