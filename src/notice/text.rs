//! The Russian texts the store staff read in Telegram (HTML parse mode). Everything that came
//! from the customer, the marketplace or the catalog is escaped; every text names the partner
//! number and the marketplace's order id, so a picker can find the order in either system.
//! A new or changed order too long for one message comes in numbered parts (`parts`).

use super::escape::{FREE_TEXT_LIMIT, LABEL_LIMIT, NAME_LIMIT, escape_html, escape_html_capped};
use super::parts::Layout;
use crate::domain::{
    Cancellation, Catalog, Destination, HeaderChange, LineChange, NoticedOrder, OrderHeader,
    OrderLine, ReplacementPolicy, Totals, measure,
};
use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use std::fmt::Write;

/// Quantities as a person writes them: `2`, `1.5`, `0.375` (three decimals at most).
pub fn quantity_text(quantity: Decimal) -> String {
    quantity.round_dp(3).normalize().to_string()
}

/// An amount in roubles, to the kopeck.
pub fn money_text(amount: Decimal) -> String {
    format!("{} ₽", amount.round_dp(2))
}

fn line_name(line: &OrderLine, catalog: &Catalog) -> String {
    let name = catalog
        .get(&line.sku)
        .map(|item| item.name.clone())
        .or_else(|| line.name.clone())
        .unwrap_or_else(|| line.sku.to_string());
    escape_html_capped(&name, NAME_LIMIT)
}

/// The word after a line's quantity (`кг`, the catalog's unit, `шт`), by the domain's one rule
/// (`domain::measure`). Unescaped: for HTML other than Telegram's, the template escapes it.
pub fn unit_text(line: &OrderLine, catalog: &Catalog) -> String {
    measure(line, catalog).unit().to_owned()
}

/// `1.5 кг`, `2 шт`: a quantity of the line with its unit, escaped for Telegram.
fn line_amount(line: &OrderLine, quantity: Decimal, catalog: &Catalog) -> String {
    format!(
        "{} {}",
        quantity_text(quantity),
        escape_html_capped(&unit_text(line, catalog), LABEL_LIMIT)
    )
}

/// `🆕 Новый заказ <b>SM-000007</b>`: the first line, which a part number may follow.
fn headline(order: &NoticedOrder, words: &str) -> String {
    format!(
        "{words} <b>{}</b>",
        escape_html(order.number.as_deref().unwrap_or("без номера")),
    )
}

/// The marketplace's id and the store, under the headline.
fn ids(order: &NoticedOrder, dest: &Destination) -> String {
    format!(
        "\nСберМаркет: <code>{}</code>\n{}",
        escape_html(order.original_order_id.as_str()),
        store_line(order, dest)
    )
}

fn store_line(order: &NoticedOrder, dest: &Destination) -> String {
    let id = order.store_id.as_ref().map_or("?", |id| id.as_str());
    match &dest.store_name {
        Some(name) => format!(
            "Магазин: {} ({})\n",
            escape_html_capped(name, LABEL_LIMIT),
            escape_html(id)
        ),
        None => format!("Магазин: {}\n", escape_html(id)),
    }
}

/// The delivery window on the store's wall clock: the marketplace may stamp it in any offset.
pub fn window_text(
    from: Option<DateTime<FixedOffset>>,
    to: Option<DateTime<FixedOffset>>,
    zone: Tz,
) -> String {
    let from = from.map(|t| t.with_timezone(&zone));
    let to = to.map(|t| t.with_timezone(&zone));
    match (from, to) {
        (Some(from), Some(to)) if from.date_naive() == to.date_naive() => format!(
            "{} {}–{}",
            from.format("%d.%m.%Y"),
            from.format("%H:%M"),
            to.format("%H:%M")
        ),
        (Some(from), Some(to)) => {
            format!(
                "{} – {}",
                from.format("%d.%m.%Y %H:%M"),
                to.format("%d.%m.%Y %H:%M")
            )
        }
        (Some(from), None) => format!("с {}", from.format("%d.%m.%Y %H:%M")),
        (None, Some(to)) => format!("до {}", to.format("%d.%m.%Y %H:%M")),
        (None, None) => "не указано".to_owned(),
    }
}

/// The replacement policy in the words the pickers use.
pub fn replacement_policy_text(policy: &ReplacementPolicy) -> String {
    match policy {
        ReplacementPolicy::CallOrRemove => {
            "позвонить клиенту, если не ответит — убрать товар".to_owned()
        }
        ReplacementPolicy::CallOrReplace => {
            "позвонить клиенту, если не ответит — заменить товар".to_owned()
        }
        ReplacementPolicy::Remove | ReplacementPolicy::DoNotReplace => {
            "не заменять, убрать товар".to_owned()
        }
        ReplacementPolicy::Replace => "заменить на похожий товар".to_owned(),
        ReplacementPolicy::Other(other) => escape_html_capped(other, LABEL_LIMIT),
    }
}

fn optional_text(value: &Option<String>) -> String {
    match value.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => escape_html_capped(text, FREE_TEXT_LIMIT),
        _ => "—".to_owned(),
    }
}

/// The new order's notice: one message, or numbered parts when its list is long.
pub fn new_order(
    order: &NoticedOrder,
    header: &OrderHeader,
    lines: &[OrderLine],
    totals: &Totals,
    dest: &Destination,
    catalog: &Catalog,
) -> Vec<String> {
    let mut details = String::new();
    let _ = writeln!(
        details,
        "Доставка: {}",
        window_text(header.delivery_from, header.delivery_to, dest.timezone)
    );
    if let Some(method) = &header.shipment_method {
        let _ = writeln!(
            details,
            "Способ: {}",
            escape_html_capped(method, LABEL_LIMIT)
        );
    }
    let items = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            format!(
                "{}. {} — {}",
                i + 1,
                line_name(line, catalog),
                line_amount(line, line.quantity, catalog)
            )
        })
        .collect();
    let mut tail = String::from("\n");
    let _ = writeln!(tail, "Комментарий: {}", optional_text(&header.comment));
    if let Some(policy) = &header.replacement_policy {
        let _ = writeln!(tail, "Замены: {}", replacement_policy_text(policy));
    }
    match (totals.discount_total_price, totals.total_price) {
        (Some(discounted), Some(full)) if discounted != full => {
            let _ = write!(
                tail,
                "Итого: <b>{}</b> (без скидки {})",
                money_text(discounted),
                money_text(full)
            );
        }
        (Some(amount), _) | (None, Some(amount)) => {
            let _ = write!(tail, "Итого: <b>{}</b>", money_text(amount));
        }
        (None, None) => {}
    }
    Layout {
        headline: headline(order, "🆕 Новый заказ"),
        ids: ids(order, dest),
        details,
        list_heading: "\n<b>Состав:</b>\n".to_owned(),
        items,
        tail,
    }
    .into_parts()
}

/// What changed, one line per difference: one message, or numbered parts when there are many.
pub fn changed_order(
    order: &NoticedOrder,
    lines: &[LineChange],
    header: &[HeaderChange],
    dest: &Destination,
    catalog: &Catalog,
) -> Vec<String> {
    let price = |p: Option<Decimal>| p.map_or_else(|| "—".to_owned(), money_text);
    let mut items: Vec<String> = lines
        .iter()
        .map(|change| match change {
            LineChange::Added(line) => format!(
                "➕ Добавлено: {} — {}",
                line_name(line, catalog),
                line_amount(line, line.quantity, catalog)
            ),
            LineChange::Removed(line) => {
                format!("➖ Убрано: {}", line_name(line, catalog))
            }
            LineChange::Quantity { line, from } => format!(
                "🔢 Количество: {} — {} → {}",
                line_name(line, catalog),
                line_amount(line, *from, catalog),
                line_amount(line, line.quantity, catalog)
            ),
            LineChange::Price { line, from } => format!(
                "💰 Цена: {} — {} (со скидкой {}) → {} (со скидкой {})",
                line_name(line, catalog),
                price(from.0),
                price(from.1),
                price(line.price),
                price(line.discount_price)
            ),
        })
        .collect();
    items.extend(header.iter().map(|change| match change {
        HeaderChange::DeliveryWindow { from, to } => format!(
            "🕒 Доставка: {} → {}",
            window_text(from.0, from.1, dest.timezone),
            window_text(to.0, to.1, dest.timezone)
        ),
        HeaderChange::Address { from, to } => {
            format!("📍 Адрес: {} → {}", optional_text(from), optional_text(to))
        }
        HeaderChange::Comment { from, to } => {
            format!(
                "💬 Комментарий: {} → {}",
                optional_text(from),
                optional_text(to)
            )
        }
        HeaderChange::ReplacementPolicy { from, to } => format!(
            "🔁 Замены: {} → {}",
            from.as_ref().map_or_else(|| "—".to_owned(), replacement_policy_text),
            to.as_ref().map_or_else(|| "—".to_owned(), replacement_policy_text)
        ),
    }));
    Layout {
        headline: headline(order, "✏️ Заказ изменён"),
        ids: ids(order, dest),
        details: String::new(),
        list_heading: "\n".to_owned(),
        items,
        tail: String::new(),
    }
    .into_parts()
}

/// Always one message: it names the order and says stop.
pub fn cancelled_order(
    order: &NoticedOrder,
    cancellation: Option<&Cancellation>,
    dest: &Destination,
) -> String {
    let mut text = headline(order, "❌ Заказ отменён");
    text.push_str(&ids(order, dest));
    text.push_str("\n<b>Прекратите сборку и верните товары на полки.</b>\n");
    let reason = cancellation.and_then(|c| c.description.clone().or_else(|| c.slug.clone()));
    if let Some(reason) = reason.filter(|r| !r.trim().is_empty()) {
        let _ = writeln!(
            text,
            "Причина: {}",
            escape_html_capped(reason.trim(), FREE_TEXT_LIMIT)
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_show_at_most_three_decimals_without_trailing_zeros() {
        assert_eq!(quantity_text("5.0".parse().unwrap()), "5");
        assert_eq!(quantity_text("1.50".parse().unwrap()), "1.5");
        assert_eq!(quantity_text("0.3754".parse().unwrap()), "0.375");
    }

    fn line(sku: &str, quantity: &str) -> OrderLine {
        OrderLine {
            sku: crate::domain::Sku::parse(sku).unwrap(),
            name: Some("Яблоки Гала, весовые".to_owned()),
            original_quantity: quantity.parse().unwrap(),
            quantity: quantity.parse().unwrap(),
            weight: None,
            price: None,
            discount_price: None,
            total_price: None,
            total_discount_price: None,
            replaced_by: None,
        }
    }

    #[test]
    fn a_weighed_line_is_worded_in_kilograms_and_a_counted_one_in_the_catalogs_unit() {
        let apples = line("2000000012345", "1.250");
        let mut catalog = Catalog::new();
        assert_eq!(line_amount(&apples, apples.quantity, &catalog), "1.25 кг");
        let milk = line("4607001771234", "2");
        assert_eq!(line_amount(&milk, milk.quantity, &catalog), "2 шт");
        catalog.insert(
            milk.sku.clone(),
            crate::domain::CatalogItem {
                name: "Молоко".to_owned(),
                unit: Some("<уп>".to_owned()),
                zone: None,
            },
        );
        assert_eq!(line_amount(&milk, milk.quantity, &catalog), "2 &lt;уп&gt;");
    }

    #[test]
    fn an_absurd_product_name_is_cut_to_a_line() {
        let mut odd = line("4600494000012", "1");
        odd.name = Some("Хлеб & ".repeat(2000));
        let name = line_name(&odd, &Catalog::new());
        assert!(
            name.chars().count() <= NAME_LIMIT,
            "{}",
            name.chars().count()
        );
        assert!(name.starts_with("Хлеб &amp; Хлеб") && name.ends_with('…'));
    }
}
