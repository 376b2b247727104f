//! Reading the operator's CSV files: counted stock balances and the catalog's names, units and
//! zones.

use crate::store::{CatalogRow, StockBalance};
use anyhow::{Context as _, bail};
use rust_decimal::Decimal;
use std::path::Path;

fn csv_records(path: &Path) -> anyhow::Result<Vec<csv::StringRecord>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("open {}", path.display()))?;
    let mut records = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("read {}", path.display()))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        records.push(record);
    }
    Ok(records)
}

/// A counted balance: a quantity as the hook accepts one (no `1_000`, no 40 decimals), though a
/// shop's count may be larger, and a balance may be below zero.
fn stock_quantity(text: &str) -> Result<Decimal, String> {
    const STOCK: crate::protocol::scalar::Bounds = crate::protocol::scalar::Bounds {
        max: 1_000_000_000_000,
        scale: crate::protocol::scalar::QUANTITY.scale,
    };
    let text = text.trim();
    match text.strip_prefix('-') {
        Some(magnitude) => crate::protocol::scalar::exact_decimal(magnitude, STOCK).map(|q| -q),
        None => crate::protocol::scalar::exact_decimal(text, STOCK),
    }
}

pub(super) fn read_stock_csv(path: &Path) -> anyhow::Result<Vec<StockBalance>> {
    let mut rows = Vec::new();
    for (i, record) in csv_records(path)?.iter().enumerate() {
        let line = i + 1;
        // A decimal comma must be quoted ("1,5"): unquoted, it would split the quantity.
        let (3, Some(store), Some(sku), Some(quantity)) =
            (record.len(), record.get(0), record.get(1), record.get(2))
        else {
            bail!("{}:{line}: expected store,sku,quantity", path.display());
        };
        let quantity = match stock_quantity(&quantity.replace(',', ".")) {
            Ok(quantity) => quantity,
            Err(_) if i == 0 => continue, // a header line
            Err(_) => bail!(
                "{}:{line}: quantity {quantity:?} is not a decimal",
                path.display()
            ),
        };
        if store.is_empty() || sku.is_empty() {
            bail!("{}:{line}: store and sku must not be empty", path.display());
        }
        rows.push(StockBalance {
            store: store.to_owned(),
            sku: sku.to_owned(),
            quantity,
        });
    }
    Ok(rows)
}

/// An optional column: absent and empty alike are none.
fn optional(record: &csv::StringRecord, column: usize) -> Option<String> {
    record
        .get(column)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

pub(super) fn read_catalog_csv(path: &Path) -> anyhow::Result<Vec<CatalogRow>> {
    let mut rows = Vec::new();
    for (i, record) in csv_records(path)?.iter().enumerate() {
        let line = i + 1;
        let (Some(sku), Some(name)) = (record.get(0), record.get(1)) else {
            bail!("{}:{line}: expected sku,name[,unit[,zone]]", path.display());
        };
        if i == 0 && sku.eq_ignore_ascii_case("sku") {
            continue; // a header line
        }
        if sku.is_empty() || name.is_empty() {
            bail!("{}:{line}: sku and name must not be empty", path.display());
        }
        rows.push(CatalogRow {
            sku: sku.to_owned(),
            name: name.to_owned(),
            unit: optional(record, 2),
            zone: optional(record, 3),
        });
    }
    Ok(rows)
}
