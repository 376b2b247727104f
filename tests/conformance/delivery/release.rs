//! A stopping worker gives back its leases: only its own, and what it gives back is claimed at
//! once, as a next attempt rather than a possible repeat.

use super::{Delivery, Outbox, run_outbox, secs};
use crate::support::at;
use orders_hook::on_both_backends;
use orders_hook::store::Settlement;

on_both_backends!(run_outbox => a_release_gives_back_only_that_workers_leases);

async fn a_release_gives_back_only_that_workers_leases(outbox: Outbox) {
    let first = outbox.created("R-1", at(0)).await;
    let second = outbox.created("R-2", at(0)).await;
    assert_eq!(outbox.claim("w1", at(1)).await.len(), 2);
    let sent = Settlement::Sent {
        message_id: Some(7),
        at: at(1),
    };
    assert!(outbox.settle(first[0], "w1", sent).await);
    // w1 holds the pickers' notice, w2 the store chat's next one.
    let now = at(1) + secs(1);
    let taken = outbox.claim("w2", now).await;
    assert_eq!(taken.iter().map(|n| n.id).collect::<Vec<_>>(), [second[0]]);

    let release = |worker| outbox.store.release_notices(worker);
    assert_eq!(release("w3").await.expect("release_notices"), 0);
    assert_eq!(release("w1").await.expect("release_notices"), 1);
    let row = outbox.row(first[1]).await;
    assert_eq!((row.status.as_str(), row.attempts), ("pending", 1));
    assert_eq!(
        outbox.delivery(first[1]).await,
        Delivery::free(Some(at(1)), at(0), false)
    );
    assert_eq!(
        outbox.delivery(second[0]).await,
        Delivery::leased("w2", now, at(0), false),
        "another worker's lease"
    );
    assert_eq!(outbox.row(first[0]).await.status, "sent");
    assert_eq!(release("w1").await.expect("release_notices"), 0);

    // No need to wait the lease out, and nothing says the chat may have seen it.
    let again = outbox.claim("w2", now).await;
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id, again[0].attempts), (first[1], 2));
    assert!(!again[0].maybe_sent);
    assert_eq!(release("w2").await.expect("release_notices"), 2);
}
