//! The unit rule: the catalog first, then the marketplace's quantities, never its `weight`.

use super::measure::{Measure, PIECES, WEIGHED_UNIT, measure};
use super::{Catalog, CatalogItem, OrderLine, Sku};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn line(sku: &str, original: &str, quantity: &str, weight: Option<&str>) -> OrderLine {
    OrderLine {
        sku: Sku::parse(sku).expect("a sku"),
        name: None,
        original_quantity: original.parse().expect("a decimal"),
        quantity: quantity.parse().expect("a decimal"),
        weight: weight.map(str::to_owned),
        price: None,
        discount_price: None,
        total_price: None,
        total_discount_price: None,
        replaced_by: None,
    }
}

fn catalog_with(sku: &str, unit: Option<&str>) -> Catalog {
    let mut catalog = Catalog::new();
    catalog.insert(
        Sku::parse(sku).expect("a sku"),
        CatalogItem {
            name: "Товар".to_owned(),
            unit: unit.map(str::to_owned),
            zone: None,
        },
    );
    catalog
}

fn counted(unit: &str) -> Measure {
    Measure::Counted {
        unit: unit.to_owned(),
    }
}

#[test]
fn a_fractional_quantity_unknown_to_the_catalog_is_weighed_in_kilograms() {
    let apples = line("2000000012345", "1.5", "1.5", Some("1500"));
    assert_eq!(measure(&apples, &Catalog::new()), Measure::Weighed);
    assert_eq!(Measure::Weighed.unit(), "кг");
}

#[test]
fn a_fraction_ordered_but_whole_now_is_still_weighed() {
    let apples = line("2000000012345", "1.5", "2", None);
    assert_eq!(measure(&apples, &Catalog::new()), Measure::Weighed);
    let trimmed = line("2000000012345", "2", "1.25", None);
    assert_eq!(measure(&trimmed, &Catalog::new()), Measure::Weighed);
}

#[test]
fn a_whole_quantity_unknown_to_the_catalog_is_counted_in_pieces() {
    let milk = line("4607001771234", "2", "2.000", Some("970"));
    assert_eq!(measure(&milk, &Catalog::new()), counted(PIECES));
}

#[test]
fn the_marketplaces_weight_decides_nothing() {
    for weight in [None, Some(""), Some("970"), Some("1500"), Some("0.5")] {
        let milk = line("4607001771234", "1", "1", weight);
        assert_eq!(
            measure(&milk, &Catalog::new()),
            counted(PIECES),
            "{weight:?}"
        );
        let apples = line("2000000012345", "0.75", "0.75", weight);
        assert_eq!(
            measure(&apples, &Catalog::new()),
            Measure::Weighed,
            "{weight:?}"
        );
    }
}

#[test]
fn the_catalogs_mass_units_make_a_line_weighed_even_at_a_whole_quantity() {
    for unit in ["кг", "КГ", "kg", "г", "гр.", "g", " кг "] {
        let watermelon = line("2000000099999", "3", "3", None);
        let catalog = catalog_with("2000000099999", Some(unit));
        assert_eq!(measure(&watermelon, &catalog), Measure::Weighed, "{unit}");
    }
}

#[test]
fn the_catalogs_other_units_count_the_line_in_that_unit_even_at_a_fraction() {
    let eggs = line("4600000000017", "1.5", "1.5", None);
    assert_eq!(
        measure(&eggs, &catalog_with("4600000000017", Some("уп"))),
        counted("уп")
    );
    let milk = line("4607001771234", "2", "2", None);
    assert_eq!(
        measure(&milk, &catalog_with("4607001771234", Some("шт"))),
        counted("шт")
    );
}

#[test]
fn a_catalog_row_without_a_unit_leaves_it_to_the_quantities() {
    let apples = line("2000000012345", "1.5", "1.5", None);
    let catalog = catalog_with("2000000012345", None);
    assert_eq!(measure(&apples, &catalog), Measure::Weighed);
    let blank = catalog_with("2000000012345", Some("  "));
    assert_eq!(measure(&apples, &blank), Measure::Weighed);
    let milk = line("2000000012345", "2", "2", None);
    assert_eq!(measure(&milk, &catalog), counted(PIECES));
}

fn quantity() -> impl Strategy<Value = Decimal> {
    (0u64..100_000, 0u32..4).prop_map(|(mantissa, scale)| Decimal::new(mantissa as i64, scale))
}

fn unit() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop::sample::select(vec![
        "кг",
        "kg",
        "г",
        "g",
        "шт",
        "уп",
        "л",
        "пачка",
        "",
    ]))
    .prop_map(|unit| unit.map(str::to_owned))
}

proptest! {
    #[test]
    fn the_catalogs_unit_wins_and_else_a_fraction_is_never_worded_in_pieces(
        original in quantity(),
        quantity in quantity(),
        weight in prop::option::of("[0-9]{0,5}"),
        unit in unit(),
    ) {
        let mut checked = line("2000000012345", "0", "0", None);
        checked.original_quantity = original;
        checked.quantity = quantity;
        checked.weight = weight;
        let catalog = catalog_with("2000000012345", unit.as_deref());
        let measured = measure(&checked, &catalog);
        let fractional = quantity.fract() != Decimal::ZERO || original.fract() != Decimal::ZERO;
        match unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            Some(mass @ ("кг" | "kg" | "г" | "g")) => {
                prop_assert!(measured.is_weighed(), "{}", mass);
            }
            Some(own) => prop_assert_eq!(measured, Measure::Counted { unit: own.to_owned() }),
            None => {
                prop_assert_eq!(measured.is_weighed(), fractional);
                if fractional {
                    prop_assert_ne!(measured.unit(), PIECES);
                }
            }
        }
    }

    #[test]
    fn a_weighed_line_is_always_worded_in_kilograms(quantity in quantity(), unit in unit()) {
        let mut checked = line("2000000012345", "0", "0", None);
        checked.quantity = quantity;
        let measured = measure(&checked, &catalog_with("2000000012345", unit.as_deref()));
        prop_assert_eq!(measured.is_weighed(), measured.unit() == WEIGHED_UNIT);
    }
}
