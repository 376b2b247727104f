//! The catalog's names are what the pickers read.

use crate::runner::run;
use crate::support::*;
use orders_hook::on_both_backends;
use orders_hook::store::{CatalogRow, OutboxRow, Store};
use std::sync::Arc;

on_both_backends!(run => catalog_names_reach_the_notices);

async fn catalog_names_reach_the_notices(store: Arc<dyn Store>) {
    let store = &*store;
    let catalog = [
        CatalogRow {
            sku: MILK.to_owned(),
            name: "Молоко «Домик в деревне» 3,2%".to_owned(),
            unit: None,
        },
        CatalogRow {
            sku: APPLES.to_owned(),
            name: "Яблоки Гала <весовые>".to_owned(),
            unit: Some("кг".to_owned()),
        },
        CatalogRow {
            sku: CHEESE.to_owned(),
            name: "Сыр Российский Домино".to_owned(),
            unit: None,
        },
    ];
    store
        .import_catalog(&catalog)
        .await
        .expect("import_catalog");

    send(store, &fixture_text("order.created"), at(0)).await;
    let outbox = outbox_of(store, ORDER).await;
    assert_eq!(outbox.len(), 2);
    for row in &outbox {
        let text = &row.text;
        assert!(text.contains("Молоко «Домик в деревне» 3,2%"), "{text}");
        assert!(!text.contains("Молоко 3,2% 930 мл"), "{text}");
        assert!(
            text.contains("Яблоки Гала &lt;весовые&gt; — 1.5 кг"),
            "{text}"
        );
        assert!(!text.contains("Яблоки Гала, весовые"), "{text}");
        // Without a catalog entry the marketplace's name is shown.
        assert!(text.contains("Хлеб Бородинский 400 г"), "{text}");
    }

    send(store, &fixture_text("order.updated"), at(15)).await;
    let changed: Vec<OutboxRow> = outbox_of(store, ORDER)
        .await
        .into_iter()
        .filter(|row| row.kind == "changed")
        .collect();
    assert_eq!(changed.len(), 2);
    for row in &changed {
        let text = &row.text;
        assert!(text.contains("Сыр Российский Домино"), "added line: {text}");
        assert!(!text.contains("Сыр Российский 200 г"), "{text}");
        assert!(text.contains("Молоко «Домик в деревне» 3,2%"), "{text}");
        assert!(
            text.contains("Яблоки Гала &lt;весовые&gt;"),
            "removed line: {text}"
        );
    }
}
