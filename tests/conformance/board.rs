//! The store board's read: a store's orders in play, and nothing else.

use crate::runner::run;
use crate::support::*;
use orders_hook::domain::Sku;
use orders_hook::on_both_backends;
use orders_hook::store::{CatalogRow, Store};
use std::sync::Arc;

on_both_backends!(run => the_board_reads_a_stores_orders_in_play_and_their_changes);

async fn the_board_reads_a_stores_orders_in_play_and_their_changes(store: Arc<dyn Store>) {
    let store = &*store;
    send(store, &fixture_text("order.created"), at(0)).await;
    send(store, &about("order.created", "R-DELIVERED", None), at(1)).await;
    send(store, &about("order.delivered", "R-DELIVERED", None), at(5)).await;
    send(store, &about("order.created", "R-CANCELLED", None), at(2)).await;
    send(store, &about("order.canceled", "R-CANCELLED", None), at(10)).await;
    send(
        store,
        &about("order.created", "R-ELSEWHERE", Some(OTHER_STORE)),
        at(3),
    )
    .await;
    send(store, &fixture_text("order.updated"), at(4)).await;

    let ids = |board: &[orders_hook::store::BoardOrder]| -> Vec<String> {
        board
            .iter()
            .map(|order| order.document.original_order_id.as_str().to_owned())
            .collect()
    };
    let board = store.board(STORE, at(9)).await.expect("board");
    assert_eq!(ids(&board), [ORDER, "R-CANCELLED"], "oldest first");
    let changes = &board[0].changes;
    assert_eq!(changes.len(), 1, "one change applied: {changes:?}");
    assert!(changes[0].contains("quantity"), "{changes:?}");
    assert!(board[1].changes.is_empty());
    assert!(board[1].document.cancelled);

    // Cancelled before `since`: off the board.
    let board = store.board(STORE, at(11)).await.expect("board");
    assert_eq!(ids(&board), [ORDER]);
    let board = store.board(OTHER_STORE, at(0)).await.expect("board");
    assert_eq!(ids(&board), ["R-ELSEWHERE"]);
    assert!(
        store
            .board("77-999", at(0))
            .await
            .expect("board")
            .is_empty()
    );

    store
        .import_catalog(&[CatalogRow {
            sku: APPLES.to_owned(),
            name: "Яблоки Гала".to_owned(),
            unit: Some("кг".to_owned()),
            zone: None,
        }])
        .await
        .expect("import_catalog");
    let skus = [Sku::parse(APPLES).unwrap(), Sku::parse(MILK).unwrap()];
    let catalog = store.catalog(&skus).await.expect("catalog");
    assert_eq!(catalog.len(), 1);
    assert_eq!(catalog[&skus[0]].unit.as_deref(), Some("кг"));
}
