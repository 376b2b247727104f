//! The notice worker inside `serve`, against the fake Bot API: what the staff read, in which
//! order, and that a notice Telegram took is never sent again.

use crate::fake_telegram::{BOT_TOKEN, FakeTelegram};
use crate::harness::{Backend, TestApp, eventually, fixture, fixture_for};
use orders_hook::on_both_backends;
use serde_json::{Value, json};
use std::time::Duration;

const STORE_CHAT: &str = "-1001";
const PICKERS_CHAT: &str = "-1002";
const PATIENCE: Duration = Duration::from_secs(30);

fn sending_vars(fake: &FakeTelegram) -> Vec<(&'static str, String)> {
    vec![
        ("ORDERS_HOOK_TELEGRAM_API_URL", fake.base.clone()),
        ("ORDERS_HOOK_TELEGRAM_BOT_TOKEN", BOT_TOKEN.to_owned()),
        ("ORDERS_HOOK_NOTIFY_SWEEP_MS", "100".to_owned()),
    ]
}

async fn spawn_sending(backend: Backend, fake: &FakeTelegram) -> Option<TestApp> {
    let vars = sending_vars(fake);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestApp::spawn_with(backend, &vars).await
}

async fn delivered_count_reaches(fake: &FakeTelegram, count: usize) -> bool {
    eventually(PATIENCE, || async { fake.delivered().len() >= count }).await
}

on_both_backends!(
    a_new_order_reaches_both_chats_with_the_right_text,
    each_chat_reads_created_changed_cancelled_in_that_order,
    notices_queued_while_the_service_was_down_are_sent_after_restart,
    a_notice_telegram_accepted_is_never_sent_again,
    markup_in_the_customer_comment_renders_as_text,
    a_300_line_order_arrives_in_numbered_parts_under_the_limit,
);

async fn a_new_order_reaches_both_chats_with_the_right_text(backend: Backend) {
    let fake = FakeTelegram::start().await;
    let Some(app) = spawn_sending(backend, &fake).await else {
        return;
    };
    let catalog = app.file(
        "catalog.csv",
        "sku,name,unit\n2000000012345,Яблоки Гала,кг\n",
    );
    assert_eq!(app.cli(&["catalog", "import", &catalog])["imported"], 1);
    let (status, answer) = app.post(&fixture("order.created")).await;
    assert_eq!(status, 200, "{answer}");
    let number = serde_json::from_str::<Value>(&answer).unwrap()["number"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        delivered_count_reaches(&fake, 2).await,
        "{:?}",
        fake.calls()
    );

    for chat in [STORE_CHAT, PICKERS_CHAT] {
        let texts = fake.delivered_to(chat);
        assert_eq!(texts.len(), 1, "one notice to {chat}: {texts:?}");
        let text = &texts[0];
        for expected in [
            "Новый заказ",
            number.as_str(),
            "R246801357",
            "Лесная",
            "23.11.2026 14:00–15:00",
            "Молоко 3,2% 930 мл — 2 шт",
            "Яблоки Гала — 1.5 кг",
            "Домофон 45, позвонить за 10 минут",
            "позвонить клиенту, если не ответит — убрать товар",
            "439.33",
        ] {
            assert!(text.contains(expected), "{expected:?} missing in {text}");
        }
    }
    assert!(
        fake.calls()
            .iter()
            .all(|c| c.parse_mode.as_deref() == Some("HTML"))
    );
    // Telegram's answer is recorded just after it arrives.
    let settled = eventually(std::time::Duration::from_secs(10), || async {
        app.outbox_in("sent").await.len() == 2
    })
    .await;
    assert!(settled, "{:?}", app.outbox());
    let sent = app.outbox_in("sent").await;
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter()
            .all(|row| row.telegram_message_id.is_some() && row.sent_at.is_some())
    );
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("orders_hook_outbox_messages{status=\"sent\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("orders_hook_outbox_oldest_pending_seconds 0"));
    assert!(metrics.contains("orders_hook_notices_sent_total"));
    assert!(metrics.contains("orders_hook_telegram_send_duration_seconds"));
    app.stop().await;
}

async fn each_chat_reads_created_changed_cancelled_in_that_order(backend: Backend) {
    let fake = FakeTelegram::start().await;
    let Some(app) = spawn_sending(backend, &fake).await else {
        return;
    };
    for event in ["order.created", "order.updated", "order.canceled"] {
        let (status, answer) = app.post(&fixture(event)).await;
        assert_eq!(status, 200, "{event}: {answer}");
    }
    assert!(
        delivered_count_reaches(&fake, 6).await,
        "{:?}",
        fake.calls()
    );
    for chat in [STORE_CHAT, PICKERS_CHAT] {
        let heads: Vec<String> = fake
            .delivered_to(chat)
            .iter()
            .map(|t| t.lines().next().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(heads.len(), 3, "{heads:?}");
        assert!(heads[0].contains("Новый заказ"), "{heads:?}");
        assert!(heads[1].contains("Заказ изменён"), "{heads:?}");
        assert!(heads[2].contains("Заказ отменён"), "{heads:?}");
    }
    app.stop().await;
}

async fn notices_queued_while_the_service_was_down_are_sent_after_restart(backend: Backend) {
    let fake = FakeTelegram::start().await;
    // First without a bot token: the notices wait in the outbox.
    let Some(mut app) = TestApp::spawn(backend).await else {
        return;
    };
    let (status, _) = app.post(&fixture("order.created")).await;
    assert_eq!(status, 200);
    assert_eq!(app.outbox_in("pending").await.len(), 2);
    let vars = sending_vars(&fake);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.restart_with(&vars).await;
    assert!(
        delivered_count_reaches(&fake, 2).await,
        "{:?}",
        fake.calls()
    );
    assert!(
        eventually(PATIENCE, || async {
            app.outbox_in("sent").await.len() == 2
        })
        .await
    );
    app.stop().await;
}

async fn a_notice_telegram_accepted_is_never_sent_again(backend: Backend) {
    let fake = FakeTelegram::start().await;
    let Some(mut app) = spawn_sending(backend, &fake).await else {
        return;
    };
    let (status, _) = app.post(&fixture("order.created")).await;
    assert_eq!(status, 200);
    assert!(
        eventually(PATIENCE, || async {
            app.outbox_in("sent").await.len() == 2
        })
        .await
    );
    // The marketplace repeats the creation, the service restarts, an operator re-queues.
    let (status, _) = app.post(&fixture("order.created")).await;
    assert_eq!(status, 200);
    let vars = sending_vars(&fake);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.restart_with(&vars).await;
    let sent_id = app.outbox_in("sent").await[0].id.to_string();
    let refused = app.cli_raw(&["outbox", "retry", &sent_id]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("never sent again"));
    assert_eq!(app.cli(&["outbox", "retry", "--failed"])["requeued"], 0);
    // Many sweeps later (100 ms each) nothing more went out.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(fake.calls().len(), 2, "{:?}", fake.calls());
    assert!(app.outbox_in("pending").await.is_empty());
    app.stop().await;
}

async fn markup_in_the_customer_comment_renders_as_text(backend: Backend) {
    let fake = FakeTelegram::start().await;
    let Some(app) = spawn_sending(backend, &fake).await else {
        return;
    };
    let mut body = fixture("order.created");
    body["payload"]["comment"] = json!(r#"<b>"Тест"</b> & 'код' <a href="x">"#);
    let (status, _) = app.post(&body).await;
    assert_eq!(status, 200);
    assert!(delivered_count_reaches(&fake, 2).await);
    let text = &fake.delivered_to(STORE_CHAT)[0];
    assert!(
        text.contains(
            "&lt;b&gt;&quot;Тест&quot;&lt;/b&gt; &amp; 'код' &lt;a href=&quot;x&quot;&gt;"
        ),
        "{text}"
    );
    assert!(!text.contains("<a href"), "{text}");
    assert!(!text.contains("<b>\"Тест\""), "{text}");
    app.stop().await;
}

async fn a_300_line_order_arrives_in_numbered_parts_under_the_limit(backend: Backend) {
    let fake = FakeTelegram::start().await;
    let Some(app) = spawn_sending(backend, &fake).await else {
        return;
    };
    let mut body = fixture_for("order.created", "R-LONG-300");
    let positions: Vec<Value> = (1..=300)
        .map(|i| {
            json!({
                "id": format!("46000000{i:05}"),
                "name": format!("Товар номер {i} с длинным названием для проверки разбиения"),
                "originalQuantity": 1, "quantity": 1,
                "price": "10.00", "discountPrice": "10.00",
                "totalPrice": "10.00", "totalDiscountPrice": "10.00"
            })
        })
        .collect();
    body["payload"]["positions"] = Value::Array(positions);
    let (status, _) = app.post(&body).await;
    assert_eq!(status, 200);
    // Counted over every status: the worker may have sent the first parts already.
    let parts = app.outbox().len() / 2;
    assert!(parts >= 2, "a 300-line order needs several parts");
    assert!(
        delivered_count_reaches(&fake, parts * 2).await,
        "{:?}",
        fake.calls().len()
    );
    for chat in [STORE_CHAT, PICKERS_CHAT] {
        let texts = fake.delivered_to(chat);
        assert_eq!(texts.len(), parts);
        for (i, text) in texts.iter().enumerate() {
            assert!(
                text.chars().count() <= 4096,
                "part {i} is {} chars",
                text.chars().count()
            );
            assert!(
                text.contains(&format!("(часть {}/{parts})", i + 1)),
                "{text}"
            );
        }
        let all = texts.join("\n");
        for i in 1..=300 {
            let name = format!("Товар номер {i} с длинным");
            assert_eq!(all.matches(&name).count(), 1, "{name} once in {chat}");
        }
    }
    app.stop().await;
}
