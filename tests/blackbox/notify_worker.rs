//! The notice worker's step, driven by hand with a manual clock against the fake Bot API: rate
//! limits, `retry_after`, back-off, parking, leases and two workers on one database, without
//! sleeping through any of it. The service runs with its own worker off.

use crate::fake_telegram::{BOT_TOKEN, FakeTelegram, Reply};
use crate::flaky_store::FlakyQueue;
use crate::harness::{Backend, TestApp, fixture, fixture_for};
use chrono::Utc;
use orders_hook::config::Secret;
use orders_hook::notify::{BotApi, ManualClock, NotifySettings, RetryPolicy, Worker};
use orders_hook::on_both_backends;
use orders_hook::store::NoticeClaim;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

const STORE_CHAT: &str = "-1001";
const PICKERS_CHAT: &str = "-1002";
const SECOND: Duration = Duration::from_secs(1);
/// The first line of a message that may repeat one already in the chat.
const REPEAT_MARK: &str = "⚠️ возможно, повтор\n";

async fn spawn_quiet(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, &[("ORDERS_HOOK_NOTIFY", "false")]).await
}

/// A fake Telegram, and the service with its own sender off: the test drives a `Worker`.
async fn quiet_with_telegram(backend: Backend) -> Option<(FakeTelegram, TestApp)> {
    let fake = FakeTelegram::start().await;
    Some((fake, spawn_quiet(backend).await?))
}

/// A clock a little ahead of the wall clock, so that everything queued so far is due.
fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Utc::now() + chrono::Duration::seconds(1)))
}

fn api(fake: &FakeTelegram) -> BotApi {
    BotApi::new(
        &fake.base,
        Secret::new(BOT_TOKEN),
        Duration::from_millis(500),
    )
    .expect("client")
}

fn worker_with(
    app: &TestApp,
    fake: &FakeTelegram,
    clock: &Arc<ManualClock>,
    settings: NotifySettings,
) -> Worker {
    Worker::new(app.store(), api(fake), clock.clone(), settings)
}

fn worker(app: &TestApp, fake: &FakeTelegram, clock: &Arc<ManualClock>) -> Worker {
    worker_with(app, fake, clock, NotifySettings::default())
}

/// Leases what is due to `worker` through the store alone, as a worker that dies before sending.
async fn claim_as(app: &TestApp, clock: &Arc<ManualClock>, worker: &str) -> usize {
    let settings = NotifySettings::default();
    let claim = NoticeClaim {
        worker: worker.into(),
        now: orders_hook::notify::Clock::now(clock.as_ref()),
        lease: settings.lease,
        limits: settings.limits,
    };
    app.store().claim_due_notices(&claim).await.unwrap().len()
}

fn first_lines(texts: &[String]) -> Vec<String> {
    texts
        .iter()
        .map(|t| t.lines().next().unwrap_or_default().to_owned())
        .collect()
}

on_both_backends!(
    a_429_holds_that_chat_while_the_other_chat_still_receives,
    a_server_error_or_a_timeout_is_retried_after_back_off_then_sent,
    a_refusal_parks_the_notice_until_an_operator_requeues_it,
    two_workers_on_one_database_send_each_notice_exactly_once,
    a_dead_workers_lease_is_taken_over_once_it_expires,
    a_group_chat_gets_at_most_20_messages_a_minute,
    past_the_retry_horizon_a_failing_notice_is_parked,
    a_chat_gets_at_most_one_message_a_second,
    a_sent_message_whose_record_failed_is_not_sent_again,
    a_parked_notice_holds_back_only_its_own_orders_later_notices,
    a_notice_follows_a_group_upgraded_to_a_supergroup,
    leases_given_back_at_shutdown_are_taken_at_once,
    a_notice_sent_again_after_its_worker_died_is_marked_as_a_possible_repeat,
    once_an_outcome_was_lost_every_later_attempt_is_marked,
    a_notice_retried_after_a_5xx_or_a_429_is_not_marked,
    a_send_that_timed_out_is_retried_marked_and_so_is_every_later_attempt,
    a_notice_retried_after_a_refused_connection_is_not_marked,
    a_timed_out_notice_parked_at_the_horizon_is_marked_after_outbox_retry,
);

async fn a_429_holds_that_chat_while_the_other_chat_still_receives(backend: Backend) {
    let Some((fake, app)) = quiet_with_telegram(backend).await else {
        return;
    };
    fake.script(STORE_CHAT, [Reply::TooManyRequests { retry_after: 7 }]);
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let clock = clock();
    let worker = worker(&app, &fake, &clock);

    let round = worker.run_once().await.unwrap();
    assert_eq!((round.sent, round.retried), (1, 1));
    assert_eq!(app.post(&fixture("order.updated")).await.0, 200);

    // 3 s later: the pickers get the change; the store chat is still waiting out its 7 s.
    clock.advance(3 * SECOND);
    worker.run_once().await.unwrap();
    assert_eq!(fake.delivered_to(PICKERS_CHAT).len(), 2);
    assert_eq!(
        fake.calls_to(STORE_CHAT).len(),
        1,
        "called before retry_after"
    );
    clock.advance(3 * SECOND);
    worker.run_once().await.unwrap();
    assert_eq!(
        fake.calls_to(STORE_CHAT).len(),
        1,
        "called before retry_after"
    );

    // 7 s after the 429 the creation goes, a second later the change: still in order.
    clock.advance(SECOND);
    worker.run_once().await.unwrap();
    clock.advance(SECOND);
    worker.run_once().await.unwrap();
    let heads = first_lines(&fake.delivered_to(STORE_CHAT));
    assert_eq!(heads.len(), 2, "{heads:?}");
    assert!(heads[0].contains("Новый заказ") && heads[1].contains("Заказ изменён"));
    app.stop().await;
}

async fn a_server_error_or_a_timeout_is_retried_after_back_off_then_sent(backend: Backend) {
    let Some((fake, app)) = quiet_with_telegram(backend).await else {
        return;
    };
    fake.script(
        STORE_CHAT,
        [Reply::ServerError, Reply::Hang(Duration::from_secs(2))],
    );
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let clock = clock();
    let worker = worker(&app, &fake, &clock);

    assert_eq!(worker.run_once().await.unwrap().retried, 1);
    let pending = app.outbox_in("pending").await;
    assert!(
        pending[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("502")
    );
    // The back-off after a first failure is 1–2 s: nothing goes at once.
    worker.run_once().await.unwrap();
    assert_eq!(fake.calls_to(STORE_CHAT).len(), 1);
    clock.advance(2 * SECOND);
    assert_eq!(
        worker.run_once().await.unwrap().retried,
        1,
        "the hang timed out"
    );
    let pending = app.outbox_in("pending").await;
    assert!(
        pending[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("timed out"),
        "{pending:?}"
    );
    clock.advance(4 * SECOND);
    assert_eq!(worker.run_once().await.unwrap().sent, 1);
    let sent = app.outbox_in("sent").await;
    let row = sent.iter().find(|r| r.chat == STORE_CHAT).unwrap();
    assert_eq!(row.attempts, 3);
    assert_eq!(row.last_error, None);
    assert_eq!(fake.delivered_to(STORE_CHAT).len(), 1);
    app.stop().await;
}

async fn a_refusal_parks_the_notice_until_an_operator_requeues_it(backend: Backend) {
    let Some((fake, app)) = quiet_with_telegram(backend).await else {
        return;
    };
    let refusal = Reply::Refuse {
        code: 400,
        description: "Bad Request: chat not found",
    };
    fake.script(STORE_CHAT, [refusal.clone()]);
    fake.script(PICKERS_CHAT, [refusal]);
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let clock = clock();
    let worker = worker(&app, &fake, &clock);

    assert_eq!(worker.run_once().await.unwrap().failed, 2);
    let failed = app.cli(&["outbox", "list", "--status", "failed"]);
    let failed = failed.as_array().unwrap();
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0]["lastError"], "Bad Request: chat not found");
    clock.advance(60 * SECOND);
    worker.run_once().await.unwrap();
    assert_eq!(
        fake.calls().len(),
        2,
        "a parked notice is not retried by itself"
    );

    let store_row = failed.iter().find(|r| r["chat"] == STORE_CHAT).unwrap();
    let id = store_row["id"].to_string();
    assert_eq!(app.cli(&["outbox", "retry", &id])["requeued"], 1);
    clock.advance(SECOND);
    assert_eq!(worker.run_once().await.unwrap().sent, 1);
    assert_eq!(fake.delivered_to(STORE_CHAT).len(), 1);
    assert!(fake.delivered_to(PICKERS_CHAT).is_empty());

    assert_eq!(app.cli(&["outbox", "retry", "--failed"])["requeued"], 1);
    clock.advance(SECOND);
    assert_eq!(worker.run_once().await.unwrap().sent, 1);
    assert_eq!(fake.delivered_to(PICKERS_CHAT).len(), 1);
    assert!(app.outbox_in("failed").await.is_empty());
    app.stop().await;
}

async fn two_workers_on_one_database_send_each_notice_exactly_once(backend: Backend) {
    let fake = FakeTelegram::start().await;
    let mut routing = String::new();
    for store in 1..=20 {
        routing.push_str(&format!(
            "[stores.\"s{store}\"]\nstore_chat = \"-3{store:02}1\"\npickers_chat = \"-3{store:02}2\"\n"
        ));
    }
    let Some(app) =
        TestApp::spawn_routed(backend, &[("ORDERS_HOOK_NOTIFY", "false")], &routing).await
    else {
        return;
    };
    for store in 1..=20 {
        let id = format!("R-POOL-{store}");
        let mut created = fixture_for("order.created", &id);
        created["payload"]["storeID"] = json!(format!("s{store}"));
        assert_eq!(app.post(&created).await.0, 200);
        if store % 2 == 0 {
            let mut changed = fixture_for("order.updated", &id);
            changed["payload"]["storeID"] = json!(format!("s{store}"));
            assert_eq!(app.post(&changed).await.0, 200);
        }
    }
    let queued = app.outbox_in("pending").await.len();
    assert_eq!(queued, 60);
    let clock = clock();
    let first = worker(&app, &fake, &clock);
    let second = worker(&app, &fake, &clock);

    for _ in 0..10 {
        let before = fake.calls().len();
        let (a, b) = tokio::join!(first.run_once(), second.run_once());
        let (a, b) = (a.unwrap(), b.unwrap());
        let this_second = &fake.calls()[before..];
        assert!(this_second.len() <= 30, "over 30 messages a second");
        let mut per_chat: HashMap<&str, usize> = HashMap::new();
        for call in this_second {
            *per_chat.entry(&call.chat).or_default() += 1;
        }
        assert!(
            per_chat.values().all(|n| *n == 1),
            "two messages to a chat in one second"
        );
        assert_eq!(a.claimed + b.claimed, this_second.len());
        clock.advance(SECOND);
    }
    assert_eq!(app.outbox_in("sent").await.len(), queued);
    assert_eq!(fake.calls().len(), queued, "each notice exactly once");
    let mut texts: Vec<(String, String)> =
        fake.calls().into_iter().map(|c| (c.chat, c.text)).collect();
    texts.sort();
    texts.dedup();
    assert_eq!(texts.len(), queued, "no notice went twice");
    for store in (2..=20).step_by(2) {
        let heads = first_lines(&fake.delivered_to(&format!("-3{store:02}1")));
        assert!(heads[0].contains("Новый заказ") && heads[1].contains("Заказ изменён"));
    }
    app.stop().await;
}

async fn a_dead_workers_lease_is_taken_over_once_it_expires(backend: Backend) {
    let Some((fake, app)) = quiet_with_telegram(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let clock = clock();
    let settings = NotifySettings::default();
    // A worker claims both notices and dies before sending.
    assert_eq!(claim_as(&app, &clock, "crashed-worker").await, 2);
    let survivor = worker(&app, &fake, &clock);
    clock.advance(settings.lease - SECOND);
    assert_eq!(
        survivor.run_once().await.unwrap().claimed,
        0,
        "leased rows taken early"
    );
    clock.advance(SECOND);
    assert_eq!(survivor.run_once().await.unwrap().sent, 2);
    assert_eq!(fake.delivered().len(), 2);
    assert!(app.outbox_in("sent").await.iter().all(|r| r.attempts == 2));
    // Nothing tells the outbox whether the dead worker's sends reached Telegram.
    assert!(
        fake.delivered()
            .iter()
            .all(|call| call.text.starts_with(REPEAT_MARK)),
        "a taken-over notice went unmarked"
    );
    app.stop().await;
}

async fn a_group_chat_gets_at_most_20_messages_a_minute(backend: Backend) {
    let Some((fake, app)) = quiet_with_telegram(backend).await else {
        return;
    };
    for i in 0..25 {
        let body = fixture_for("order.created", &format!("R-BURST-{i}"));
        assert_eq!(app.post(&body).await.0, 200);
    }
    let clock = clock();
    let worker = worker(&app, &fake, &clock);
    for _ in 0..60 {
        worker.run_once().await.unwrap();
        clock.advance(SECOND);
    }
    for chat in [STORE_CHAT, PICKERS_CHAT] {
        assert_eq!(
            fake.delivered_to(chat).len(),
            20,
            "{chat} in its first minute"
        );
    }
    for _ in 0..10 {
        worker.run_once().await.unwrap();
        clock.advance(SECOND);
    }
    for chat in [STORE_CHAT, PICKERS_CHAT] {
        assert_eq!(fake.delivered_to(chat).len(), 25, "{chat} after the minute");
    }
    app.stop().await;
}

async fn past_the_retry_horizon_a_failing_notice_is_parked(backend: Backend) {
    let Some((fake, app)) = quiet_with_telegram(backend).await else {
        return;
    };
    fake.script(STORE_CHAT, std::iter::repeat_n(Reply::ServerError, 50));
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let clock = clock();
    let settings = NotifySettings {
        retry: RetryPolicy {
            horizon: Duration::from_secs(60),
            ..RetryPolicy::default()
        },
        ..NotifySettings::default()
    };
    let worker = worker_with(&app, &fake, &clock, settings);
    for _ in 0..10 {
        worker.run_once().await.unwrap();
        clock.advance(10 * SECOND);
    }
    let failed = app.outbox_in("failed").await;
    assert_eq!(failed.len(), 1);
    let error = failed[0].last_error.clone().unwrap_or_default();
    assert!(
        error.contains("not delivered within 1 min") && error.contains("502"),
        "{error}"
    );
    assert!(
        fake.calls_to(STORE_CHAT).len() >= 3,
        "retried before giving up"
    );
    app.stop().await;
}

async fn a_chat_gets_at_most_one_message_a_second(backend: Backend) {
    let Some((fake, app)) = quiet_with_telegram(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    assert_eq!(app.post(&fixture("order.updated")).await.0, 200);
    let clock = clock();
    let worker = worker(&app, &fake, &clock);
    assert_eq!(worker.run_once().await.unwrap().sent, 2);
    assert_eq!(worker.run_once().await.unwrap().claimed, 0, "same instant");
    clock.advance(Duration::from_millis(999));
    assert_eq!(
        worker.run_once().await.unwrap().claimed,
        0,
        "within the second"
    );
    clock.advance(Duration::from_millis(1));
    assert_eq!(worker.run_once().await.unwrap().sent, 2);
    app.stop().await;
}

async fn a_sent_message_whose_record_failed_is_not_sent_again(backend: Backend) {
    let Some((fake, app)) = quiet_with_telegram(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let flaky = Arc::new(FlakyQueue {
        inner: app.store(),
        settling_fails: true.into(),
    });
    let clock = clock();
    let settings = NotifySettings::default();
    let lease = settings.lease;
    let worker = Worker::new(flaky.clone(), api(&fake), clock.clone(), settings);

    // Telegram takes both messages, the database does not take the news.
    assert_eq!(worker.run_once().await.unwrap().sent, 2);
    assert_eq!(app.outbox_in("pending").await.len(), 2);
    clock.advance(lease * 2);
    assert!(
        worker.run_once().await.is_err(),
        "no new claim before the outcome is written"
    );
    assert_eq!(fake.calls().len(), 2);

    // The database is back: the step writes what it owes first, then finds nothing to send.
    flaky
        .settling_fails
        .store(false, std::sync::atomic::Ordering::SeqCst);
    clock.advance(lease * 2);
    assert_eq!(worker.run_once().await.unwrap().claimed, 0);
    assert_eq!(app.outbox_in("sent").await.len(), 2);
    assert_eq!(
        fake.calls().len(),
        2,
        "a message Telegram accepted went again"
    );
    app.stop().await;
}

async fn a_parked_notice_holds_back_only_its_own_orders_later_notices(backend: Backend) {
    let Some((fake, app)) = quiet_with_telegram(backend).await else {
        return;
    };
    fake.script(
        STORE_CHAT,
        [Reply::Refuse {
            code: 400,
            description: "Bad Request: can't parse entities",
        }],
    );
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let clock = clock();
    let worker = worker(&app, &fake, &clock);
    assert_eq!(worker.run_once().await.unwrap().failed, 1);

    // The same order changes, and another order arrives for the same store.
    assert_eq!(app.post(&fixture("order.updated")).await.0, 200);
    assert_eq!(
        app.post(&fixture_for("order.created", "R-OTHER")).await.0,
        200
    );
    for _ in 0..3 {
        clock.advance(SECOND);
        worker.run_once().await.unwrap();
    }
    let store_texts = fake.delivered_to(STORE_CHAT);
    assert_eq!(
        store_texts.len(),
        1,
        "only the other order passed: {store_texts:?}"
    );
    assert!(store_texts[0].contains("R-OTHER"));
    assert_eq!(fake.delivered_to(PICKERS_CHAT).len(), 3);

    assert_eq!(app.cli(&["outbox", "retry", "--failed"])["requeued"], 1);
    for _ in 0..3 {
        clock.advance(SECOND);
        worker.run_once().await.unwrap();
    }
    let texts = fake.delivered_to(STORE_CHAT);
    let heads = first_lines(&texts);
    assert_eq!(heads.len(), 3, "{heads:?}");
    assert!(texts[1].contains("R246801357") && heads[1].contains("Новый заказ"));
    assert!(
        heads[2].contains("Заказ изменён"),
        "the change after its creation"
    );
    app.stop().await;
}

async fn a_notice_follows_a_group_upgraded_to_a_supergroup(backend: Backend) {
    let Some((fake, app)) = quiet_with_telegram(backend).await else {
        return;
    };
    fake.script(STORE_CHAT, [Reply::Migrated { to: -1009 }]);
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let clock = clock();
    let worker = worker(&app, &fake, &clock);
    worker.run_once().await.unwrap();
    clock.advance(SECOND);
    worker.run_once().await.unwrap();
    assert_eq!(fake.delivered_to("-1009").len(), 1);
    let sent = app.outbox_in("sent").await;
    assert!(sent.iter().any(|row| row.chat == "-1009"), "{sent:?}");
    assert!(app.outbox_in("failed").await.is_empty());
    app.stop().await;
}

async fn leases_given_back_at_shutdown_are_taken_at_once(backend: Backend) {
    let Some((fake, app)) = quiet_with_telegram(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let clock = clock();
    assert_eq!(claim_as(&app, &clock, "stopping-worker").await, 2);
    assert_eq!(
        app.store()
            .release_notices("stopping-worker")
            .await
            .unwrap(),
        2
    );
    // Another worker need not wait out the lease, only Telegram's second per chat.
    let other = worker(&app, &fake, &clock);
    clock.advance(SECOND);
    assert_eq!(other.run_once().await.unwrap().sent, 2);
    // A stopping worker gives back only leases it never sent: no repeat, no mark.
    assert!(
        fake.delivered()
            .iter()
            .all(|call| !call.text.starts_with(REPEAT_MARK)),
        "a notice given back was marked as a repeat"
    );
    app.stop().await;
}

async fn a_notice_sent_again_after_its_worker_died_is_marked_as_a_possible_repeat(
    backend: Backend,
) {
    let Some((fake, app)) = quiet_with_telegram(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let clock = clock();
    let settings = NotifySettings::default();
    let lease = settings.lease;
    // Telegram takes both messages, and the worker is killed before the database hears of it.
    let flaky = Arc::new(FlakyQueue {
        inner: app.store(),
        settling_fails: true.into(),
    });
    let killed = Worker::new(flaky, api(&fake), clock.clone(), settings);
    assert_eq!(killed.run_once().await.unwrap().sent, 2);
    drop(killed);

    let survivor = worker(&app, &fake, &clock);
    clock.advance(lease);
    assert_eq!(survivor.run_once().await.unwrap().sent, 2);
    for chat in [STORE_CHAT, PICKERS_CHAT] {
        let texts = fake.delivered_to(chat);
        assert_eq!(texts.len(), 2, "{chat}: {texts:?}");
        assert!(!texts[0].starts_with(REPEAT_MARK), "{}", texts[0]);
        assert_eq!(texts[1], format!("{REPEAT_MARK}{}", texts[0]), "{chat}");
    }
    // The outbox keeps the notice as rendered: the mark belongs to one attempt.
    let sent = app.outbox_in("sent").await;
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter().all(|row| !row.text.starts_with("⚠️")),
        "{sent:?}"
    );
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("orders_hook_notices_possible_repeats_total"),
        "{metrics}"
    );
    app.stop().await;
}

async fn once_an_outcome_was_lost_every_later_attempt_is_marked(backend: Backend) {
    let Some((fake, app)) = quiet_with_telegram(backend).await else {
        return;
    };
    fake.script(STORE_CHAT, [Reply::ServerError]);
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let clock = clock();
    let lease = NotifySettings::default().lease;
    assert_eq!(claim_as(&app, &clock, "killed-worker").await, 2);
    clock.advance(lease);
    let survivor = worker(&app, &fake, &clock);
    let round = survivor.run_once().await.unwrap();
    assert_eq!((round.sent, round.retried), (1, 1));

    // The retry after the 502 may still repeat what the killed worker sent. (It is the row's
    // second attempt that failed: the back-off is 2–4 s.)
    clock.advance(4 * SECOND);
    assert_eq!(survivor.run_once().await.unwrap().sent, 1);
    let calls = fake.calls_to(STORE_CHAT);
    assert_eq!(calls.len(), 2);
    assert!(
        calls.iter().all(|call| call.text.starts_with(REPEAT_MARK)),
        "{:?}",
        first_lines(&calls.into_iter().map(|call| call.text).collect::<Vec<_>>())
    );
    app.stop().await;
}

async fn a_notice_retried_after_a_5xx_or_a_429_is_not_marked(backend: Backend) {
    let Some((fake, app)) = quiet_with_telegram(backend).await else {
        return;
    };
    fake.script(
        STORE_CHAT,
        [
            Reply::ServerError,
            Reply::TooManyRequests { retry_after: 3 },
        ],
    );
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let clock = clock();
    let worker = worker(&app, &fake, &clock);
    assert_eq!(worker.run_once().await.unwrap().retried, 1);
    clock.advance(2 * SECOND);
    assert_eq!(worker.run_once().await.unwrap().retried, 1);
    clock.advance(3 * SECOND);
    assert_eq!(worker.run_once().await.unwrap().sent, 1);

    // Telegram said no each time: the chat holds one message, and it carries no mark.
    let calls = fake.calls_to(STORE_CHAT);
    assert_eq!(calls.len(), 3);
    assert!(
        calls
            .iter()
            .all(|call| call.text == calls[0].text && !call.text.starts_with("⚠️")),
        "{:?}",
        first_lines(&calls.into_iter().map(|call| call.text).collect::<Vec<_>>())
    );
    app.stop().await;
}

async fn a_send_that_timed_out_is_retried_marked_and_so_is_every_later_attempt(backend: Backend) {
    let Some((fake, app)) = quiet_with_telegram(backend).await else {
        return;
    };
    // Telegram has the first request when the client gives up on it: it may be in the chat.
    fake.script(
        STORE_CHAT,
        [Reply::Hang(Duration::from_secs(2)), Reply::ServerError],
    );
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let clock = clock();
    let worker = worker(&app, &fake, &clock);
    let round = worker.run_once().await.unwrap();
    assert_eq!((round.sent, round.retried), (1, 1), "the hang timed out");
    clock.advance(2 * SECOND);
    assert_eq!(worker.run_once().await.unwrap().retried, 1, "the 502");
    // The 502 says nothing about the first attempt: the next one is still marked.
    clock.advance(4 * SECOND);
    assert_eq!(worker.run_once().await.unwrap().sent, 1);

    let texts: Vec<String> = fake
        .calls_to(STORE_CHAT)
        .into_iter()
        .map(|call| call.text)
        .collect();
    assert_eq!(texts.len(), 3, "{:?}", first_lines(&texts));
    assert!(!texts[0].starts_with(REPEAT_MARK), "{}", texts[0]);
    for later in &texts[1..] {
        assert_eq!(later, &format!("{REPEAT_MARK}{}", texts[0]));
    }
    let pickers = fake.delivered_to(PICKERS_CHAT);
    assert!(
        pickers.len() == 1 && !pickers[0].starts_with(REPEAT_MARK),
        "{pickers:?}"
    );
    let sent = app.outbox_in("sent").await;
    assert!(
        sent.iter().all(|row| !row.text.starts_with("⚠️")),
        "the stored text stays unmarked: {sent:?}"
    );
    app.stop().await;
}

async fn a_notice_retried_after_a_refused_connection_is_not_marked(backend: Backend) {
    let Some((fake, app)) = quiet_with_telegram(backend).await else {
        return;
    };
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let clock = clock();
    // Nothing listens here: no request can leave.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let cut_off = Worker::new(
        app.store(),
        BotApi::new(&closed, Secret::new(BOT_TOKEN), Duration::from_millis(500)).unwrap(),
        clock.clone(),
        NotifySettings::default(),
    );
    assert_eq!(cut_off.run_once().await.unwrap().retried, 2);
    let pending = app.outbox_in("pending").await;
    assert!(
        pending.iter().all(|row| row
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("cannot connect")),
        "{pending:?}"
    );

    clock.advance(2 * SECOND);
    assert_eq!(
        worker(&app, &fake, &clock).run_once().await.unwrap().sent,
        2
    );
    let delivered = fake.delivered();
    assert_eq!(delivered.len(), 2);
    assert!(
        delivered
            .iter()
            .all(|call| !call.text.starts_with(REPEAT_MARK)),
        "{:?}",
        first_lines(
            &delivered
                .into_iter()
                .map(|call| call.text)
                .collect::<Vec<_>>()
        )
    );
    app.stop().await;
}

async fn a_timed_out_notice_parked_at_the_horizon_is_marked_after_outbox_retry(backend: Backend) {
    let Some((fake, app)) = quiet_with_telegram(backend).await else {
        return;
    };
    fake.script(STORE_CHAT, [Reply::Hang(Duration::from_secs(2))]);
    assert_eq!(app.post(&fixture("order.created")).await.0, 200);
    let clock = clock();
    let settings = NotifySettings {
        retry: RetryPolicy {
            horizon: SECOND,
            ..RetryPolicy::default()
        },
        ..NotifySettings::default()
    };
    let worker = worker_with(&app, &fake, &clock, settings);
    assert_eq!(worker.run_once().await.unwrap().failed, 1);
    assert_eq!(app.cli(&["outbox", "retry", "--failed"])["requeued"], 1);
    clock.advance(SECOND);
    assert_eq!(worker.run_once().await.unwrap().sent, 1);
    let texts: Vec<String> = fake
        .calls_to(STORE_CHAT)
        .into_iter()
        .map(|call| call.text)
        .collect();
    assert_eq!(texts.len(), 2, "{:?}", first_lines(&texts));
    assert_eq!(texts[1], format!("{REPEAT_MARK}{}", texts[0]));
    app.stop().await;
}
