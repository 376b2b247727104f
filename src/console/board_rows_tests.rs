use super::*;
use crate::console::board::{STOP_TEXT, TableView, table_html};
use crate::domain::{OrderDocument, PickerName};

fn document(lines: &str) -> OrderDocument {
    serde_json::from_str(&format!(
        r#"{{"originalOrderId":"R-1","orderUuid":null,"number":"SM-000001",
        "expectedAssemblyTime":null,"storeId":"77-001","header":{{}},"lines":{lines},
        "totals":{{"totalPrice":null,"discountTotalPrice":null}},"paymentMethods":[],
        "paid":false,"shipped":false,"delivered":false,"cancelled":false,"cancellation":null,
        "createdAt":"2026-11-23T09:41:07Z","updatedAt":"2026-11-23T09:41:07Z","paidAt":null,
        "shippedAt":null,"deliveredAt":null,"cancelledAt":null,"compositionAsOf":null,
        "revision":1,"lastPayload":{{}}}}"#
    ))
    .unwrap()
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn order(id: &str, due: Option<&str>) -> BoardOrder {
    let mut document = document("[]");
    document.original_order_id = crate::domain::OrderId::parse(id).unwrap();
    document.expected_assembly_time = due.map(at);
    BoardOrder {
        document,
        changes: Vec::new(),
        picking: Picking::default(),
    }
}

fn taken(mut order: BoardOrder, picker: &str, since: &str) -> BoardOrder {
    order.picking.picker = Some(PickerName::parse(picker).unwrap());
    order.picking.started_at = Some(at(since));
    order
}

fn view() -> TableView<'static> {
    TableView {
        store_id: "77-001",
        catalog: &CATALOG,
        csrf: "c5rf",
        pickers: &[],
        numbers: None,
    }
}

const ZONE: Tz = chrono_tz::Europe::Moscow;
static CATALOG: std::sync::LazyLock<Catalog> = std::sync::LazyLock::new(Catalog::new);

#[test]
fn a_board_says_what_changed_in_the_pickers_words() {
    let doc = document(
        r#"[{"sku":"1","name":"Молоко","originalQuantity":"2","quantity":"3","weight":null,
           "price":null,"discountPrice":null,"totalPrice":null,"totalDiscountPrice":null,
           "replacedBy":null}]"#,
    );
    let notes = vec![
        "line 1 quantity 2 -> 3; line 9 added: quantity 1; delivery window changed".to_owned(),
        "details updated (customer, totals or payment methods)".to_owned(),
    ];
    assert_eq!(
        change_words(&doc, &notes, &Catalog::new()),
        [
            "Молоко: 2 шт → 3 шт",
            "добавлен товар",
            "время доставки",
            "данные клиента или суммы"
        ]
    );
    assert!(change_words(&document("[]"), &[], &Catalog::new()).is_empty());
}

#[test]
fn a_board_row_is_struck_out_when_cancelled_and_flagged_when_changed() {
    let now = at("2026-11-23T12:00:00Z");
    let mut order = order("R-1", None);
    order.changes = vec!["comment changed".to_owned()];
    let html = table_html(std::slice::from_ref(&order), view(), ZONE, now).unwrap();
    assert!(
        html.contains(r#"<tr data-order="R-1" data-state="untaken" class="changed">"#),
        "{html}"
    );
    assert!(html.contains("12:41"), "came in, Moscow time: {html}");
    order.document.cancelled = true;
    let html = table_html(std::slice::from_ref(&order), view(), ZONE, now).unwrap();
    assert!(html.contains(r#"class="cancelled changed""#) && html.contains(STOP_TEXT));
    order.document.number = None;
    let html = table_html(&[order], view(), ZONE, now).unwrap();
    assert!(html.contains("Активных заказов нет"), "{html}");
}

#[test]
fn the_countdown_turns_amber_then_red() {
    let now = at("2026-12-05T18:00:00Z");
    let due = |minutes: i64, seconds: i64| {
        countdown(
            now + Duration::minutes(minutes) + Duration::seconds(seconds),
            now,
        )
    };
    assert_eq!(due(75, 0), ("осталось 1 ч 15 мин".to_owned(), ""));
    assert_eq!(due(10, 1), ("осталось 11 мин".to_owned(), ""));
    assert_eq!(due(10, 0), ("осталось 10 мин".to_owned(), "due-soon"));
    assert_eq!(due(0, 20), ("осталось 1 мин".to_owned(), "due-soon"));
    assert_eq!(due(0, 0), ("просрочен на 1 мин".to_owned(), "overdue"));
    assert_eq!(due(-5, -30), ("просрочен на 6 мин".to_owned(), "overdue"));
}

#[test]
fn what_is_due_first_is_on_top_and_untaken_orders_first_among_equals() {
    let now = at("2026-12-05T18:00:00Z");
    let mut alarm = taken(
        order("R-alarm", Some("2026-12-05T19:00:00Z")),
        "Анна",
        "2026-12-05T17:50:00Z",
    );
    alarm.document.cancelled = true;
    let mut assembled = taken(
        order("R-done", Some("2026-12-05T17:00:00Z")),
        "Иван",
        "2026-12-05T16:40:00Z",
    );
    assembled.picking.finished_at = Some(at("2026-12-05T16:55:00Z"));
    let mut cancelled = order("R-gone", Some("2026-12-05T17:30:00Z"));
    cancelled.document.cancelled = true;
    let orders = [
        cancelled,
        taken(
            order("R-late-taken", Some("2026-12-05T18:20:00Z")),
            "Ольга",
            "2026-12-05T17:55:00Z",
        ),
        assembled,
        order("R-later", Some("2026-12-05T19:00:00Z")),
        order("R-late-untaken", Some("2026-12-05T18:20:30Z")),
        alarm,
        order("R-first", Some("2026-12-05T17:59:00Z")),
    ];
    let rows = sorted_rows(&orders, &CATALOG, ZONE, now);
    let ids: Vec<&str> = rows.iter().map(|row| row.order_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "R-alarm",
            "R-first",
            "R-late-untaken",
            "R-late-taken",
            "R-later",
            "R-done",
            "R-gone"
        ]
    );
    let stages: Vec<&str> = rows.iter().map(|row| row.stage.as_str()).collect();
    assert_eq!(
        stages,
        [
            "alarm",
            "untaken",
            "untaken",
            "picking",
            "untaken",
            "assembled",
            "closed"
        ]
    );
    assert_eq!(rows[1].due_class, "overdue");
    assert_eq!(rows[3].picking, "Ольга · в сборке с 20:55");
    assert_eq!(rows[5].picking, "Собран в 19:55 · Иван");
    assert!(
        rows[5].left.is_empty(),
        "nothing to count down once assembled"
    );
    assert!(rows[1].can_take() && !rows[1].can_finish());
    assert!(rows[3].can_finish() && rows[3].can_hand_over() && !rows[3].can_take());
    assert!(rows[0].can_put_back() && !rows[0].can_take());
    assert!(!rows[6].can_put_back());
}

#[test]
fn a_cancelled_order_someone_is_picking_is_named_above_the_table_with_the_picker() {
    let now = at("2026-12-05T18:00:00Z");
    let mut alarm = taken(order("R-1", None), "Анна", "2026-12-05T17:50:00Z");
    alarm.document.cancelled = true;
    let html = table_html(&[alarm], view(), ZONE, now).unwrap();
    assert!(
        html.contains(r#"class="alarm-banner" role="alert" data-alarm="R-1""#),
        "{html}"
    );
    assert!(html.contains("его собирает <b>Анна</b>"), "{html}");
    assert!(html.contains("Товар вернули на полки"), "{html}");
    assert!(
        html.contains(r#"data-now="1796493600000""#),
        "the server's time: {html}"
    );
}

#[test]
fn a_changed_weighed_line_is_worded_in_kilograms_as_the_notices_word_it() {
    let doc = document(
        r#"[{"sku":"2000000012345","name":"Яблоки","originalQuantity":"1.5","quantity":"2",
           "weight":"1500","price":null,"discountPrice":null,"totalPrice":null,
           "totalDiscountPrice":null,"replacedBy":null}]"#,
    );
    assert_eq!(
        change_words(&doc, &[], &Catalog::new()),
        ["Яблоки: 1.5 кг → 2 кг"]
    );
}
