//! A claim leases each chat's oldest due notice, within the send limits; an expired lease is
//! taken over, and the notice is marked as a possible repeat from then on.

use super::{Delivery, Outbox, run_outbox, secs};
use crate::support::{PICKERS_CHAT, STORE_CHAT, at};
use orders_hook::on_both_backends;
use orders_hook::store::{SendLimits, Settlement};

on_both_backends!(
    run_outbox => a_claim_leases_the_oldest_due_notice_of_each_chat,
    an_expired_lease_is_taken_over_as_a_possible_repeat,
    a_claim_keeps_to_the_send_limits,
);

async fn a_claim_leases_the_oldest_due_notice_of_each_chat(outbox: Outbox) {
    let first = outbox.created("R-1", at(0)).await;
    assert!(
        outbox.claim("w1", at(0) - secs(1)).await.is_empty(),
        "not due yet"
    );
    for &id in &first {
        assert_eq!(outbox.row(id).await.attempts, 0);
        assert_eq!(
            outbox.delivery(id).await,
            Delivery::free(None, at(0), false)
        );
    }

    let second = outbox.created("R-2", at(5)).await;
    let now = at(6);
    let claimed = outbox.claim("w1", now).await;
    let heads: Vec<(i64, &str, i64)> = claimed
        .iter()
        .map(|n| (n.id, n.chat.as_str(), n.attempts))
        .collect();
    assert_eq!(
        heads,
        [(first[0], STORE_CHAT, 1), (first[1], PICKERS_CHAT, 1)],
        "per chat only the oldest pending row"
    );
    for notice in &claimed {
        assert_eq!(notice.original_order_id, "R-1");
        assert_eq!(notice.kind, "created");
        assert_eq!(notice.queued_at, at(0));
        assert!(!notice.maybe_sent);
        assert_eq!(notice.text, outbox.row(notice.id).await.text);
    }
    for &id in &first {
        let row = outbox.row(id).await;
        assert_eq!((row.status.as_str(), row.attempts), ("pending", 1));
        assert_eq!(
            row.next_attempt_at,
            at(0),
            "a claim does not move the due time"
        );
        assert_eq!(
            outbox.delivery(id).await,
            Delivery::leased("w1", now, at(0), false)
        );
    }
    for &id in &second {
        assert_eq!(outbox.row(id).await.attempts, 0);
        assert_eq!(
            outbox.delivery(id).await,
            Delivery::free(None, at(5), false)
        );
    }

    // Another worker finds every chat's head leased, and the rows behind them wait.
    assert!(outbox.claim("w2", now + secs(5)).await.is_empty());
    assert_eq!(
        outbox.delivery(first[0]).await,
        Delivery::leased("w1", now, at(0), false)
    );
    assert_eq!(outbox.row(second[0]).await.attempts, 0);
}

async fn an_expired_lease_is_taken_over_as_a_possible_repeat(outbox: Outbox) {
    let ids = outbox.created("R-1", at(0)).await;
    assert_eq!(outbox.claim("w1", at(1)).await.len(), 2);
    assert!(
        outbox.claim("w2", at(2) - secs(1)).await.is_empty(),
        "taken while the lease lived"
    );

    // w1 died holding the lease: its attempt may have reached the chat.
    let taken = outbox.claim("w2", at(2)).await;
    assert_eq!(taken.iter().map(|n| n.id).collect::<Vec<_>>(), ids);
    assert!(taken.iter().all(|n| n.maybe_sent && n.attempts == 2));
    for &id in &ids {
        assert_eq!(outbox.row(id).await.attempts, 2);
        assert_eq!(
            outbox.delivery(id).await,
            Delivery::leased("w2", at(2), at(0), true)
        );
    }

    // The late worker's word no longer counts; the new holder's does, and the mark stays.
    let retry = |when| Settlement::Retry {
        maybe_sent: false,
        at: when,
        error: "502 Bad Gateway".to_owned(),
    };
    assert!(!outbox.settle(ids[0], "w1", retry(at(2))).await);
    assert_eq!(
        outbox.delivery(ids[0]).await,
        Delivery::leased("w2", at(2), at(0), true)
    );
    // Due again before the other row's lease runs out (at 3), so only this one is claimed.
    let due = at(2) + secs(30);
    assert!(outbox.settle(ids[0], "w2", retry(due)).await);
    assert_eq!(
        outbox.delivery(ids[0]).await,
        Delivery::free(Some(at(2)), at(0), true)
    );
    let again = outbox.claim("w3", due).await;
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id, again[0].attempts), (ids[0], 3));
    assert!(
        again[0].maybe_sent,
        "every later attempt may be a repeat too"
    );
}

async fn a_claim_keeps_to_the_send_limits(outbox: Outbox) {
    let first = outbox.created("R-1", at(0)).await;
    let second = outbox.created("R-2", at(0)).await;

    // 1 a second in all: one row, the oldest.
    let one_a_second = SendLimits {
        overall_per_second: 1,
        ..SendLimits::default()
    };
    let now = at(1);
    let half = now + chrono::Duration::milliseconds(500);
    let claimed = outbox.claim_within("w1", now, one_a_second).await;
    assert_eq!(claimed.iter().map(|n| n.id).collect::<Vec<_>>(), [first[0]]);
    let sent = Settlement::Sent {
        message_id: Some(1),
        at: now,
    };
    assert!(outbox.settle(first[0], "w1", sent).await);
    assert!(
        outbox
            .claim_within("w1", half, one_a_second)
            .await
            .is_empty(),
        "the second's budget is spent"
    );

    // 1 a second per chat: half a second later only the pickers' chat may be written to ...
    let claimed = outbox.claim("w1", half).await;
    assert_eq!(claimed.iter().map(|n| n.id).collect::<Vec<_>>(), [first[1]]);
    assert_eq!(outbox.row(second[0]).await.attempts, 0);
    assert_eq!(outbox.delivery(second[0]).await.last_attempt_at, None);
    // ... and a second after its last message the store chat gets its next notice.
    let claimed = outbox.claim("w1", now + secs(1)).await;
    assert_eq!(
        claimed.iter().map(|n| n.id).collect::<Vec<_>>(),
        [second[0]]
    );
    assert_eq!(
        outbox.delivery(second[0]).await,
        Delivery::leased("w1", now + secs(1), at(0), false)
    );
}
