//! The catalog's names are what the pickers read, and its zones the order they walk in.

use crate::runner::run;
use crate::support::*;
use orders_hook::domain::Sku;
use orders_hook::on_both_backends;
use orders_hook::store::{CatalogRow, OutboxRow, Store};
use std::sync::Arc;

on_both_backends!(run => catalog_names_reach_the_notices, zones_round_trip_and_an_import_replaces_them);

fn row(sku: &str, unit: Option<&str>, zone: Option<&str>) -> CatalogRow {
    CatalogRow {
        sku: sku.to_owned(),
        name: format!("Товар {sku}"),
        unit: unit.map(str::to_owned),
        zone: zone.map(str::to_owned),
    }
}

async fn zones_round_trip_and_an_import_replaces_them(store: Arc<dyn Store>) {
    let store = &*store;
    let skus = [MILK, APPLES, CHEESE].map(|sku| Sku::parse(sku).expect("a sku"));
    let zone_of = |catalog: &orders_hook::domain::Catalog, i: usize| {
        catalog.get(&skus[i]).and_then(|item| item.zone.clone())
    };
    store
        .import_catalog(&[
            row(MILK, None, Some("Молочка «Холод» 2")),
            row(APPLES, Some("кг"), Some("A3")),
            row(CHEESE, None, None),
        ])
        .await
        .expect("import_catalog");
    let catalog = store.catalog(&skus).await.expect("catalog");
    assert_eq!(zone_of(&catalog, 0).as_deref(), Some("Молочка «Холод» 2"));
    assert_eq!(zone_of(&catalog, 1).as_deref(), Some("A3"));
    assert_eq!(catalog[&skus[1]].unit.as_deref(), Some("кг"));
    assert_eq!(zone_of(&catalog, 2), None);

    // A later import is the back-office's word now: a new zone, or none, replaces the old.
    store
        .import_catalog(&[row(MILK, None, Some("B1")), row(APPLES, Some("кг"), None)])
        .await
        .expect("import_catalog again");
    let catalog = store.catalog(&skus).await.expect("catalog");
    assert_eq!(zone_of(&catalog, 0).as_deref(), Some("B1"));
    assert_eq!(zone_of(&catalog, 1), None);
}

async fn catalog_names_reach_the_notices(store: Arc<dyn Store>) {
    let store = &*store;
    let catalog = [
        CatalogRow {
            sku: MILK.to_owned(),
            name: "Молоко «Домик в деревне» 3,2%".to_owned(),
            unit: None,
            zone: Some("Молочка".to_owned()),
        },
        CatalogRow {
            sku: APPLES.to_owned(),
            name: "Яблоки Гала <весовые>".to_owned(),
            unit: Some("кг".to_owned()),
            zone: Some("A3".to_owned()),
        },
        CatalogRow {
            sku: CHEESE.to_owned(),
            name: "Сыр Российский Домино".to_owned(),
            unit: None,
            zone: None,
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
