//! `outbox retry`: parked notices go back in the queue with a fresh horizon and no attempts;
//! sent and pending ones are left alone, and so is the mark of a possible repeat. Each is
//! journaled with who asked, in the re-queue's transaction (`actions::requeue`).

use super::{Delivery, Outbox, run_outbox};
use crate::support::at;
use orders_hook::actions::Actor;
use orders_hook::actions::Via;
use orders_hook::actions::requeue::requeue as requeue_through_actions;
use orders_hook::on_both_backends;
use orders_hook::store::{JournalFilter, Requeue, Settlement};

on_both_backends!(
    run_outbox => requeue_puts_parked_notices_back_with_a_fresh_horizon,
    requeue_keeps_the_mark_of_a_possible_repeat,
);

fn refused() -> Settlement {
    Settlement::Failed {
        maybe_sent: false,
        error: "Bad Request: chat not found".to_owned(),
    }
}

async fn requeue_puts_parked_notices_back_with_a_fresh_horizon(outbox: Outbox) {
    let parked = outbox.created("R-1", at(0)).await;
    assert_eq!(outbox.claim("w1", at(1)).await.len(), 2);
    for &id in &parked {
        assert!(outbox.settle(id, "w1", refused()).await);
    }
    // Another order's notices flow past: one sent, one still leased.
    let other = outbox.created("R-2", at(2)).await;
    assert_eq!(outbox.claim("w1", at(2)).await.len(), 2);
    let sent = Settlement::Sent {
        message_id: Some(9),
        at: at(2),
    };
    assert!(outbox.settle(other[0], "w1", sent).await);

    let actor = Actor::command_line();
    let store = outbox.store.clone();
    let requeue = |which, now| {
        let (store, actor) = (store.clone(), actor.clone());
        async move {
            requeue_through_actions(&*store, which, &actor, Via::CommandLine, None, now)
                .await
                .map(|notices| notices.len())
        }
    };
    let sent_row = outbox.row(other[0]).await;
    assert_eq!(requeue(Requeue::One(other[0]), at(10)).await.unwrap(), 0);
    assert_eq!(outbox.row(other[0]).await, sent_row);
    assert_eq!(requeue(Requeue::One(other[1]), at(10)).await.unwrap(), 0);
    assert_eq!(outbox.row(other[1]).await.attempts, 1);
    assert_eq!(
        outbox.delivery(other[1]).await,
        Delivery::leased("w1", at(2), at(2), false)
    );

    assert_eq!(requeue(Requeue::One(parked[0]), at(10)).await.unwrap(), 1);
    let row = outbox.row(parked[0]).await;
    assert_eq!((row.status.as_str(), row.attempts), ("pending", 0));
    assert_eq!(row.next_attempt_at, at(10));
    assert_eq!(
        row.last_error.as_deref(),
        Some("Bad Request: chat not found"),
        "why it was parked, until the next attempt"
    );
    assert_eq!(
        outbox.delivery(parked[0]).await,
        Delivery::free(Some(at(1)), at(10), false)
    );
    assert_eq!(outbox.row(parked[1]).await.status, "failed");
    assert_eq!(requeue(Requeue::One(parked[0]), at(11)).await.unwrap(), 0);

    assert_eq!(requeue(Requeue::AllFailed, at(11)).await.unwrap(), 1);
    let row = outbox.row(parked[1]).await;
    assert_eq!((row.status.as_str(), row.attempts), ("pending", 0));
    assert_eq!(row.next_attempt_at, at(11));
    assert_eq!(
        outbox.delivery(parked[1]).await,
        Delivery::free(Some(at(1)), at(11), false)
    );
    assert_eq!(requeue(Requeue::AllFailed, at(12)).await.unwrap(), 0);
    // One journal row per notice put back, naming it; none for a re-queue that found nothing.
    let journal = outbox
        .store
        .journal(&JournalFilter::default())
        .await
        .unwrap();
    let rows: Vec<_> = journal
        .iter()
        .filter(|row| row.event_type.as_deref() == Some("cli.outbox.retry"))
        .collect();
    assert_eq!(rows.len(), 2, "{journal:?}");
    assert!(
        rows.iter()
            .all(|row| row.original_order_id.as_deref() == Some("R-1"))
    );
    assert!(
        rows.iter()
            .any(|row| row.detail.contains(&format!("#{}", parked[1])))
    );

    // Back at the head of their chats, ahead of the other order's later notice.
    let claimed = outbox.claim("w2", at(11)).await;
    let heads: Vec<_> = claimed
        .iter()
        .map(|n| (n.id, n.attempts, n.queued_at, n.maybe_sent))
        .collect();
    assert_eq!(
        heads,
        [(parked[0], 1, at(10), false), (parked[1], 1, at(11), false)]
    );
}

async fn requeue_keeps_the_mark_of_a_possible_repeat(outbox: Outbox) {
    let ids = outbox.created("R-1", at(0)).await;
    assert_eq!(outbox.claim("w1", at(1)).await.len(), 2);
    // w1 died; w2 takes its rows over and is refused.
    assert!(outbox.claim("w2", at(2)).await.iter().all(|n| n.maybe_sent));
    assert!(outbox.settle(ids[0], "w2", refused()).await);

    let requeued = requeue_through_actions(
        &*outbox.store,
        Requeue::One(ids[0]),
        &Actor::command_line(),
        Via::CommandLine,
        None,
        at(3),
    )
    .await;
    assert_eq!(requeued.expect("requeue").len(), 1);
    assert_eq!(
        outbox.delivery(ids[0]).await,
        Delivery::free(Some(at(2)), at(3), true)
    );
    let claimed = outbox.claim("w3", at(3)).await;
    let again = claimed
        .iter()
        .find(|n| n.id == ids[0])
        .expect("the requeued notice is claimed");
    assert_eq!(again.attempts, 1);
    assert!(again.maybe_sent, "the chat may already show it");
}
