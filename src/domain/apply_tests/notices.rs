//! The notices' texts: HTML escaping, Telegram's length limit, and long orders in parts.

use super::*;

const HOSTILE: &str = r#"<b>Срочно</b> & "без звонка""#;
const HOSTILE_ESCAPED: &str = "&lt;b&gt;Срочно&lt;/b&gt; &amp; &quot;без звонка&quot;";

#[test]
fn customer_comment_is_html_escaped_in_the_new_order_notice() {
    let world = World::new();
    let mut snapshot = created_snapshot();
    snapshot.comment = Some(Some(HOSTILE.to_owned()));
    let decision = apply(None, &created_with(snapshot), &world.ctx());
    let text = notice_text(&decision);
    assert!(text.contains(HOSTILE_ESCAPED), "{text}");
    assert!(!text.contains("<b>Срочно"), "{text}");
    assert!(!text.contains(r#""без"#), "{text}");
}

#[test]
fn customer_text_is_html_escaped_in_the_changed_notice() {
    let (item, text, _) = only_difference(changed(|s| {
        s.comment = Some(Some(HOSTILE.to_owned()));
    }));
    assert!(item.contains(HOSTILE_ESCAPED), "{item}");
    assert!(!text.contains("<b>Срочно"), "{text}");
}

#[test]
fn marketplace_product_names_are_html_escaped() {
    let world = World::new();
    let mut snapshot = created_snapshot();
    let mut odd = bread();
    odd.name = Some("Хлеб <i>\"Дарницкий\"</i> & Co".to_owned());
    snapshot.lines = Some(vec![odd]);
    let text = notice_text(&apply(None, &created_with(snapshot), &world.ctx()));
    assert!(
        text.contains("Хлеб &lt;i&gt;&quot;Дарницкий&quot;&lt;/i&gt; &amp; Co"),
        "{text}"
    );
    assert!(!text.contains("<i>"), "{text}");
}

/// Every `&` in a Telegram HTML text starts a whole entity: a cut text stays parseable.
fn assert_entities_whole(text: &str) {
    for (at, _) in text.match_indices('&') {
        let rest = &text[at..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "an entity cut in half at {at}: {}",
            rest.chars().take(10).collect::<String>()
        );
    }
}

#[test]
fn new_order_notice_with_a_huge_comment_stays_under_the_telegram_limit() {
    let world = World::new();
    for huge in ["Позвоните. ".repeat(600), "&".repeat(5000)] {
        let mut snapshot = created_snapshot();
        snapshot.comment = Some(Some(huge));
        let decision = apply(None, &created_with(snapshot), &world.ctx());
        let text = notice_text(&decision);
        assert!(
            text.chars().count() <= TELEGRAM_TEXT_LIMIT,
            "{} characters",
            text.chars().count()
        );
        assert!(text.contains("SM-000007") && text.contains(ORDER));
        assert!(text.contains("Молоко"), "the lines still fit");
        assert_entities_whole(&text);
    }
}

#[test]
fn changed_notice_with_a_huge_comment_stays_under_the_limit_and_shows_it() {
    let (item, text, _) = only_difference(changed(|s| {
        s.comment = Some(Some("Оставьте у двери. ".repeat(400)));
    }));
    assert!(text.chars().count() <= TELEGRAM_TEXT_LIMIT);
    assert!(item.contains("Оставьте у двери"), "{item}");
}

#[test]
fn customer_script_is_shown_as_text_not_markup() {
    let world = World::new();
    let mut snapshot = created_snapshot();
    snapshot.comment = Some(Some(r#"<script>alert("x") & 'y'</script>"#.to_owned()));
    let text = notice_text(&apply(None, &created_with(snapshot), &world.ctx()));
    assert!(
        text.contains("Комментарий: &lt;script&gt;alert(&quot;x&quot;) &amp; 'y'&lt;/script&gt;\n"),
        "{text}"
    );
    assert!(!text.contains("<script"), "{text}");
    assert_tags_balanced(&text);
}

#[test]
fn a_short_order_is_one_message_without_a_part_number() {
    let world = World::new();
    let decision = apply(None, &created(), &world.ctx());
    assert_eq!(
        notice_text(&decision),
        "🆕 Новый заказ <b>SM-000007</b>\n\
         СберМаркет: <code>R246801357</code>\n\
         Магазин: Лесная (77-001)\n\
         Доставка: 23.11.2026 14:00–15:00\n\
         Способ: byCourier\n\
         \n\
         <b>Состав:</b>\n\
         1. Молоко 3,2% 930 мл — 2 шт\n\
         2. Яблоки Гала, весовые — 1.5 кг\n\
         3. Хлеб Бородинский 400 г — 1 шт\n\
         \n\
         Комментарий: Домофон 45, позвонить за 10 минут\n\
         Замены: позвонить клиенту, если не ответит — убрать товар\n\
         Итого: <b>439.33 ₽</b> (без скидки 459.33 ₽)"
    );

    let (decision, _) = step(
        Some(&decision.document.unwrap()),
        &fixture_update(),
        &world.ctx(),
    );
    assert_eq!(
        notice_text(&decision),
        "✏️ Заказ изменён <b>SM-000007</b>\n\
         СберМаркет: <code>R246801357</code>\n\
         Магазин: Лесная (77-001)\n\
         \n\
         🔢 Количество: Молоко 3,2% 930 мл — 2 шт → 3 шт\n\
         ➕ Добавлено: Сыр Российский 200 г — 1 шт\n\
         ➖ Убрано: Яблоки Гала, весовые\n\
         🕒 Доставка: 23.11.2026 14:00–15:00 → 23.11.2026 15:00–16:00\n"
    );
}

/// Every tag a part opens it closes, innermost first: Telegram refuses a message otherwise.
fn assert_tags_balanced(text: &str) {
    let mut open: Vec<&str> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('<') {
        let end = rest[at..].find('>').expect("a tag is closed") + at;
        let tag = &rest[at + 1..end];
        match tag.strip_prefix('/') {
            Some(name) => assert_eq!(open.pop(), Some(name), "in:\n{text}"),
            None => open.push(tag),
        }
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "left open {open:?} in:\n{text}");
    assert!(!rest.contains('>'), "a stray '>' in:\n{text}");
}

/// The parts of a split notice as one chat reads them, checked to be what the other chat reads,
/// queued chat by chat, keyed `{base}#i/n` and each a valid message naming the order and store.
fn split_notice(decision: &Decided, base: &str, headline: &str) -> Vec<String> {
    let parts = |chat: &str| -> Vec<&Notice> {
        decision.notices.iter().filter(|n| n.chat == chat).collect()
    };
    let (store, pickers) = (parts(STORE_CHAT), parts(PICKERS_CHAT));
    let count = store.len();
    assert!(count >= 2, "split into {count} parts");
    let mut queued = vec![STORE_CHAT; count];
    queued.extend(vec![PICKERS_CHAT; count]);
    assert_eq!(
        chats(decision),
        queued,
        "a chat's parts are queued together"
    );
    for (i, (ours, theirs)) in store.iter().zip(&pickers).enumerate() {
        assert_eq!(ours.text, theirs.text);
        assert_eq!(ours.dedup_key, format!("{base}#{}/{count}", i + 1));
        assert_eq!(theirs.dedup_key, ours.dedup_key);
        let text = &ours.text;
        assert!(
            text.chars().count() <= TELEGRAM_TEXT_LIMIT,
            "part {} has {} characters",
            i + 1,
            text.chars().count()
        );
        let heading = format!(
            "{headline} <b>SM-000007</b> (часть {}/{count})\n\
             СберМаркет: <code>{ORDER}</code>\n\
             Магазин: Лесная ({STORE})\n",
            i + 1
        );
        assert!(text.starts_with(&heading), "part {}:\n{text}", i + 1);
        assert_tags_balanced(text);
        assert_entities_whole(text);
    }
    store.iter().map(|n| n.text.clone()).collect()
}

/// `count` lines of distinct, long (about 60 characters) names.
fn many_positions(count: usize) -> Vec<Position> {
    (0..count)
        .map(|i| {
            let mut p = bread();
            p.sku = sku(&format!("46000000{i:05}"));
            p.name = Some(long_name(i));
            p
        })
        .collect()
}

fn long_name(i: usize) -> String {
    format!("Товар с довольно длинным названием & весом 400 г, номер {i:03}")
}

#[test]
fn a_long_new_order_comes_in_numbered_parts_with_every_line_once() {
    let world = World::new();
    let mut snapshot = created_snapshot();
    snapshot.lines = Some(many_positions(300));
    let decision = apply(None, &created_with(snapshot), &world.ctx());
    let parts = split_notice(&decision, "created", "🆕 Новый заказ");
    let last = parts.len() - 1;

    let numbered: Vec<String> = parts
        .iter()
        .flat_map(|part| part.lines().filter(|l| l.contains(". Товар")))
        .map(str::to_owned)
        .collect();
    let expected: Vec<String> = (0..300)
        .map(|i| format!("{}. {} — 1 шт", i + 1, long_name(i).replace('&', "&amp;")))
        .collect();
    assert_eq!(
        numbered, expected,
        "every line once, numbered 1..300 in order"
    );

    for (i, part) in parts.iter().enumerate() {
        assert!(part.contains("\n<b>Состав:</b>\n"), "part {}", i + 1);
        assert_eq!(part.contains("Доставка:"), i == 0, "part {}", i + 1);
        for tail in ["Комментарий: ", "Замены: ", "Итого: "] {
            assert_eq!(part.contains(tail), i == last, "{tail} in part {}", i + 1);
        }
    }
    assert!(parts[last].ends_with("Итого: <b>439.33 ₽</b> (без скидки 459.33 ₽)"));
}

#[test]
fn a_change_of_many_lines_comes_in_numbered_parts_with_every_difference_once() {
    let world = World::new();
    let doc = created_doc(&world);
    let change = changed(|s| {
        let mut lines = vec![milk(), apples(), bread()];
        lines.extend(many_positions(300));
        s.lines = Some(lines);
        s.comment = Some(Some("Теперь без звонка".to_owned()));
    });
    let (decision, next) = step(Some(&doc), &change, &world.ctx());
    let base = format!("changed:{}", next.revision);
    let parts = split_notice(&decision, &base, "✏️ Заказ изменён");

    let items: Vec<String> = parts.iter().flat_map(|p| change_items(p)).collect();
    let mut expected: Vec<String> = (0..300)
        .map(|i| {
            format!(
                "➕ Добавлено: {} — 1 шт",
                long_name(i).replace('&', "&amp;")
            )
        })
        .collect();
    expected.push(format!("💬 Комментарий: {COMMENT} → Теперь без звонка"));
    assert_eq!(items, expected, "every difference once, in order");
}
