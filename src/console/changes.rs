//! The feed of order changes the live boards listen to. The hook publishes after each commit
//! that changed an order document; every board's event stream of that store hears it and
//! fetches its table again. A board that misses a change (a lagging or reconnected stream)
//! fetches it all the same: the feed says "look again", never what to show.
//!
//! On SQLite there is one instance, and the feed is this process's broadcast. On PostgreSQL
//! (pool mode) a board may be served by another instance than the one that took the order, so
//! a change is published with `NOTIFY` and every instance's listener (`pool_changes`) hears
//! it, its own included, and tells its boards: nothing is also told locally, so no board hears
//! a change twice.

use crate::store::change_bus::ChangeBus;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::broadcast;

/// An order whose document was committed anew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderChange {
    pub store_id: Option<String>,
    pub order_id: String,
}

/// What a board's stream hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    Order(OrderChange),
    /// Changes may have gone by unheard (the listener's connection to PostgreSQL was lost):
    /// every board looks again.
    Missed,
}

/// Publishers and listeners of this process.
#[derive(Clone)]
pub struct Changes {
    sender: broadcast::Sender<Heard>,
    /// PostgreSQL: published there with `NOTIFY`, heard back by `pool_changes`' listener.
    bus: Option<Arc<dyn ChangeBus>>,
}

impl Default for Changes {
    fn default() -> Self {
        // Boards ask again after a lag, so a short buffer loses nothing that matters.
        let (sender, _) = broadcast::channel(256);
        Changes { sender, bus: None }
    }
}

impl Changes {
    /// A feed published through the pool's bus (PostgreSQL's `NOTIFY`).
    pub fn through(bus: Arc<dyn ChangeBus>) -> Changes {
        Changes {
            bus: Some(bus),
            ..Changes::default()
        }
    }

    /// Tells the boards of every instance; nobody listening is fine. Never waits: the hook
    /// calls this after its commit, with the marketplace waiting for the answer.
    pub fn publish(&self, change: OrderChange) {
        match &self.bus {
            None => self.deliver(Heard::Order(change)),
            Some(bus) => super::pool_changes::notify(bus.clone(), self.clone(), change),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Heard> {
        self.sender.subscribe()
    }

    /// Tells this process's boards.
    pub(super) fn deliver(&self, heard: Heard) {
        let _ = self.sender.send(heard);
    }
}
