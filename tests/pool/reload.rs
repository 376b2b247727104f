//! `systemctl reload` of every unit of the pool (a SIGHUP to each instance): a client token
//! added to the shared tokens file then works through nginx and at every instance, without a
//! restart (the same process ids before and after).

use crate::fake_telegram::FakeTelegram;
use crate::marketplace::{CLIENT_TOKEN, Marketplace};
use crate::orders::{event, routing, stock_csv};
use crate::pool::{self, CLUSTER_IN_USE, Cluster, Nginx, Pool};
use orders_hook::test_support::eventually;
use std::time::Duration;

const NEW_TOKEN: &str = "pool-reloaded-client-token";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reload_of_every_instance_lets_a_new_client_token_in_everywhere() {
    let Some(cluster) = Cluster::from_env() else {
        return;
    };
    let Some(nginx_binary) = pool::nginx_binary() else {
        return;
    };
    let _alone = CLUSTER_IN_USE.lock().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let database = cluster.prepare_database().await;
    let fake = FakeTelegram::start().await;
    let mut pool = Pool::start(dir.path(), &database, &fake.base, &routing(), &stock_csv()).await;
    let nginx = Nginx::start(&nginx_binary, dir.path(), &pool.ports()).await;
    let marketplace = Marketplace::new(&nginx);
    let body = |order: usize| event("R-RELOAD", "order.created", order);
    assert_eq!(marketplace.post_once(NEW_TOKEN, &body(0)).await, 403);
    let pids = pool.pids();

    std::fs::write(pool.client_tokens_file(), format!("{NEW_TOKEN}\n")).unwrap();
    pool.hang_up_all();
    let client = reqwest::Client::new();
    for n in 0..pids.len() {
        let url = format!("{}/sbermarket/orders/hook/", pool.base(n));
        let admitted = eventually(Duration::from_secs(10), || async {
            let sent = client
                .post(&url)
                .header("Client-token", NEW_TOKEN)
                .body(body(n + 1).to_string())
                .send()
                .await;
            matches!(sent, Ok(response) if response.status() == 200)
        })
        .await;
        assert!(
            admitted,
            "instance {n} took the new token: {}",
            pool.log_tails()
        );
    }
    // Round-robin through nginx: every instance answers, none refuses (a 403 is not replayed).
    for order in 10..10 + 3 * pids.len() {
        assert_eq!(marketplace.post_once(NEW_TOKEN, &body(order)).await, 200);
        // The variable's token is untouched by the file.
        assert_eq!(marketplace.post_once(CLIENT_TOKEN, &body(order)).await, 200);
    }
    assert_eq!(pool.pids(), pids, "no instance was restarted");
    pool.stop_all().await;
    drop(nginx);
}
