//! How an attempt is settled: `sent` is a fact whoever holds the lease; a retry, a failure and
//! a readdress are the lease holder's word only. Each clears the lease and keeps the attempt.

use super::{Delivery, Outbox, run_outbox, secs};
use crate::support::at;
use orders_hook::on_both_backends;
use orders_hook::store::Settlement;

on_both_backends!(
    run_outbox => sent_is_recorded_whoever_holds_the_lease_and_only_once,
    a_retry_sets_the_next_attempt,
    a_failure_parks_the_notice,
    a_readdress_moves_the_notice_to_the_new_chat,
);

async fn sent_is_recorded_whoever_holds_the_lease_and_only_once(outbox: Outbox) {
    let ids = outbox.created("R-1", at(0)).await;
    assert_eq!(outbox.claim("w1", at(1)).await.len(), 2);

    let sent = |message_id, when| Settlement::Sent {
        message_id,
        at: when,
    };
    assert!(
        outbox
            .settle(ids[0], "w1", sent(Some(101), at(1) + secs(2)))
            .await
    );
    // Telegram's "ok" reached a worker whose lease had been taken: it is recorded all the same.
    assert!(
        outbox
            .settle(ids[1], "w2", sent(None, at(1) + secs(3)))
            .await
    );
    for (id, message_id, sent_at) in [
        (ids[0], Some(101), at(1) + secs(2)),
        (ids[1], None, at(1) + secs(3)),
    ] {
        let row = outbox.row(id).await;
        assert_eq!((row.status.as_str(), row.attempts), ("sent", 1));
        assert_eq!(
            (row.sent_at, row.telegram_message_id, row.last_error),
            (Some(sent_at), message_id, None)
        );
        assert_eq!(
            outbox.delivery(id).await,
            Delivery::free(Some(at(1)), at(0), false)
        );
    }

    // A settled row stays as it was.
    let before = outbox.row(ids[0]).await;
    assert!(!outbox.settle(ids[0], "w1", sent(Some(102), at(2))).await);
    let retry = Settlement::Retry {
        maybe_sent: false,
        at: at(3),
        error: "502 Bad Gateway".to_owned(),
    };
    assert!(!outbox.settle(ids[0], "w1", retry).await);
    let failed = Settlement::Failed {
        maybe_sent: false,
        error: "Forbidden: bot was kicked".to_owned(),
    };
    assert!(!outbox.settle(ids[0], "w1", failed).await);
    assert_eq!(outbox.row(ids[0]).await, before);
    assert!(outbox.claim("w1", at(10)).await.is_empty(), "sent twice");
}

async fn a_retry_sets_the_next_attempt(outbox: Outbox) {
    let ids = outbox.created("R-1", at(0)).await;
    assert_eq!(outbox.claim("w1", at(1)).await.len(), 2);
    let retry = Settlement::Retry {
        maybe_sent: false,
        at: at(1) + secs(30),
        error: "502 Bad Gateway".to_owned(),
    };

    assert!(
        !outbox.settle(ids[0], "w2", retry.clone()).await,
        "not w2's lease"
    );
    assert_eq!(outbox.row(ids[0]).await.next_attempt_at, at(0));
    assert_eq!(
        outbox.delivery(ids[0]).await,
        Delivery::leased("w1", at(1), at(0), false)
    );

    assert!(outbox.settle(ids[0], "w1", retry).await);
    let row = outbox.row(ids[0]).await;
    assert_eq!((row.status.as_str(), row.attempts), ("pending", 1));
    assert_eq!(row.next_attempt_at, at(1) + secs(30));
    assert_eq!(row.last_error.as_deref(), Some("502 Bad Gateway"));
    assert_eq!(
        outbox.delivery(ids[0]).await,
        Delivery::free(Some(at(1)), at(0), false)
    );

    // Not before its time; then it is the next attempt, not a repeat (the outcome was known).
    assert!(outbox.claim("w1", at(1) + secs(29)).await.is_empty());
    let again = outbox.claim("w1", at(1) + secs(30)).await;
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id, again[0].attempts), (ids[0], 2));
    assert!(!again[0].maybe_sent);
}

async fn a_failure_parks_the_notice(outbox: Outbox) {
    let ids = outbox.created("R-1", at(0)).await;
    assert_eq!(outbox.claim("w1", at(1)).await.len(), 2);
    let failed = Settlement::Failed {
        maybe_sent: false,
        error: "Bad Request: chat not found".to_owned(),
    };

    assert!(
        !outbox.settle(ids[0], "w2", failed.clone()).await,
        "not w2's lease"
    );
    assert_eq!(outbox.row(ids[0]).await.status, "pending");

    assert!(outbox.settle(ids[0], "w1", failed).await);
    let row = outbox.row(ids[0]).await;
    assert_eq!((row.status.as_str(), row.attempts), ("failed", 1));
    assert_eq!(
        row.last_error.as_deref(),
        Some("Bad Request: chat not found")
    );
    assert_eq!(row.sent_at, None);
    assert_eq!(
        outbox.delivery(ids[0]).await,
        Delivery::free(Some(at(1)), at(0), false)
    );
    let later = outbox.claim("w1", at(60)).await;
    assert!(
        later.iter().all(|n| n.id != ids[0]),
        "a parked notice was claimed"
    );
}

async fn a_readdress_moves_the_notice_to_the_new_chat(outbox: Outbox) {
    const SUPERGROUP: &str = "-1009";
    let ids = outbox.created("R-1", at(0)).await;
    assert_eq!(outbox.claim("w1", at(1)).await.len(), 2);
    let readdress = Settlement::Readdress {
        chat: SUPERGROUP.to_owned(),
        at: at(1) + secs(1),
        error: "Bad Request: group chat was upgraded to a supergroup chat".to_owned(),
    };

    assert!(
        !outbox.settle(ids[0], "w2", readdress.clone()).await,
        "not w2's lease"
    );
    assert_eq!(outbox.row(ids[0]).await.chat, "-1001");

    assert!(outbox.settle(ids[0], "w1", readdress).await);
    let row = outbox.row(ids[0]).await;
    assert_eq!(
        (row.chat.as_str(), row.status.as_str()),
        (SUPERGROUP, "pending")
    );
    assert_eq!((row.attempts, row.next_attempt_at), (1, at(1) + secs(1)));
    assert!(
        row.last_error
            .as_deref()
            .unwrap_or("")
            .contains("supergroup")
    );
    assert_eq!(
        outbox.delivery(ids[0]).await,
        Delivery::free(Some(at(1)), at(0), false)
    );

    let again = outbox.claim("w1", at(1) + secs(1)).await;
    assert_eq!(again.len(), 1);
    assert_eq!(
        (again[0].id, again[0].chat.as_str(), again[0].attempts),
        (ids[0], SUPERGROUP, 2)
    );
    assert!(!again[0].maybe_sent);
}
