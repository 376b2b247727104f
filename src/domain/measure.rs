//! Whether a line is weighed or counted, and the word its quantity is written with: the one rule
//! that the notices, the picking sheet, the story and the board share.
//!
//! The evidence, in order:
//! 1. the partner's catalog: its unit column (`catalog import`) is the back-office's own word, so
//!    `кг`/`г` make a line weighed and any other unit makes it counted in that unit;
//! 2. the marketplace's quantities: a fractional `quantity` or `originalQuantity` is weighed
//!    (nobody orders half a carton of milk);
//! 3. otherwise the line is counted in pieces.
//!
//! The marketplace's `weight` never decides: it is grams as a string, given for a 930 ml milk
//! ("970") as for 1.5 kg of apples ("1500") and empty for some piece goods, and whether it is per
//! unit or per line is not documented.

use super::context::Catalog;
use super::order::OrderLine;
use rust_decimal::Decimal;

/// The marketplace counts weighed goods in kilograms (`1.5` for 1.5 kg of apples).
pub const WEIGHED_UNIT: &str = "кг";
/// A counted line that the catalog gives no unit for.
pub const PIECES: &str = "шт";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Measure {
    /// Picked on the scales: the quantity is kilograms.
    Weighed,
    /// Picked by count, in the catalog's unit or in pieces.
    Counted { unit: String },
}

impl Measure {
    pub fn is_weighed(&self) -> bool {
        matches!(self, Measure::Weighed)
    }

    /// The word after the quantity: `кг`, the catalog's unit, or `шт`. Unescaped.
    pub fn unit(&self) -> &str {
        match self {
            Measure::Weighed => WEIGHED_UNIT,
            Measure::Counted { unit } => unit,
        }
    }
}

/// How `line` is picked and worded, by the catalog first and the marketplace's quantities next.
pub fn measure(line: &OrderLine, catalog: &Catalog) -> Measure {
    let unit = catalog
        .get(&line.sku)
        .and_then(|item| item.unit.as_deref())
        .map(str::trim)
        .filter(|unit| !unit.is_empty());
    match unit {
        Some(unit) if is_weight_unit(unit) => Measure::Weighed,
        Some(unit) => Measure::Counted {
            unit: unit.to_owned(),
        },
        None if is_fractional(line.quantity) || is_fractional(line.original_quantity) => {
            Measure::Weighed
        }
        None => Measure::Counted {
            unit: PIECES.to_owned(),
        },
    }
}

/// The back-office's spellings of a mass: `кг`, `kg`, `г`, `гр.`, `Грамм`…
fn is_weight_unit(unit: &str) -> bool {
    let unit = unit.trim_end_matches('.').to_lowercase();
    matches!(
        unit.as_str(),
        "кг" | "kg" | "г" | "гр" | "g" | "gr" | "килограмм" | "грамм" | "kilogram" | "gram"
    )
}

fn is_fractional(quantity: Decimal) -> bool {
    quantity.fract() != Decimal::ZERO
}
