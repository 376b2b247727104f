//! The order in which the picking sheet lists an order's lines: zone by zone, as the catalog
//! places the goods (`A3`, `Молочка`), so the picker walks the store once. Lines the catalog
//! gives no zone come last; among equals the order keeps the marketplace's own order.

use crate::domain::{Catalog, OrderLine};
use std::cmp::Ordering;

/// The lines in walking order, with each one's zone.
pub fn in_picking_order<'a>(
    lines: &'a [OrderLine],
    catalog: &'a Catalog,
) -> Vec<(&'a OrderLine, Option<&'a str>)> {
    let mut walk: Vec<(&OrderLine, Option<&str>)> = lines
        .iter()
        .map(|line| {
            let zone = catalog
                .get(&line.sku)
                .and_then(|item| item.zone.as_deref())
                .map(str::trim)
                .filter(|zone| !zone.is_empty());
            (line, zone)
        })
        .collect();
    // A stable sort: lines of one zone stay in the order's own order.
    walk.sort_by(|(_, a), (_, b)| match (a, b) {
        (Some(a), Some(b)) => zone_order(a, b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
    walk
}

/// Zones as a person reads their signs: `A2` before `A10`, letters without regard to case.
fn zone_order(a: &str, b: &str) -> Ordering {
    chunks(a).cmp(&chunks(b))
}

/// A zone's name cut into runs of digits (compared as numbers) and of other characters.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Chunk {
    /// Leading zeros dropped, then shorter is smaller: a number of any length, no overflow.
    Number(usize, String),
    Text(String),
}

fn chunks(zone: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut rest = zone;
    while let Some(first) = rest.chars().next() {
        let digits = first.is_ascii_digit();
        let end = rest
            .find(|c: char| c.is_ascii_digit() != digits)
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(end);
        chunks.push(if digits {
            let number = run.trim_start_matches('0').to_owned();
            Chunk::Number(number.len(), number)
        } else {
            Chunk::Text(run.to_lowercase())
        });
        rest = tail;
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CatalogItem, Sku};

    fn line(sku: &str) -> OrderLine {
        OrderLine {
            sku: Sku::parse(sku).unwrap(),
            name: None,
            original_quantity: 1.into(),
            quantity: 1.into(),
            weight: None,
            price: None,
            discount_price: None,
            total_price: None,
            total_discount_price: None,
            replaced_by: None,
        }
    }

    fn walk(lines: &[OrderLine], zones: &[(&str, Option<&str>)]) -> Vec<String> {
        let catalog: Catalog = zones
            .iter()
            .map(|(sku, zone)| {
                let item = CatalogItem {
                    name: (*sku).to_owned(),
                    unit: None,
                    zone: zone.map(str::to_owned),
                };
                (Sku::parse(sku).unwrap(), item)
            })
            .collect();
        in_picking_order(lines, &catalog)
            .into_iter()
            .map(|(line, zone)| format!("{}@{}", line.sku, zone.unwrap_or("-")))
            .collect()
    }

    #[test]
    fn zoned_lines_come_first_by_zone_then_the_rest_in_the_orders_order() {
        let lines = ["bread", "milk", "apples", "salt", "cheese"].map(line);
        let walked = walk(
            &lines,
            &[
                ("milk", Some("Молочка")),
                ("apples", Some("A3")),
                ("cheese", Some("Молочка")),
                ("salt", Some("  ")),
            ],
        );
        assert_eq!(
            walked,
            [
                "apples@A3",
                "milk@Молочка",
                "cheese@Молочка",
                "bread@-",
                "salt@-"
            ]
        );
    }

    #[test]
    fn zones_read_as_signs_do() {
        let mut zones = ["A10", "a2", "B1", "A02", "A2", "10", "9", "Молочка"];
        zones.sort_by(|a, b| zone_order(a, b));
        assert_eq!(
            zones,
            ["9", "10", "a2", "A02", "A2", "A10", "B1", "Молочка"]
        );
    }
}
