//! The feed of order changes the live boards listen to. The hook publishes after each commit
//! that changed an order document; every board's event stream of that store hears it and
//! fetches its table again. A board that misses a change (a lagging or reconnected stream)
//! fetches it all the same: the feed says "look again", never what to show.

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// An order whose document was committed anew.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderChange {
    pub store_id: Option<String>,
    pub order_id: String,
}

/// Publishers and listeners of this process.
#[derive(Clone)]
pub struct Changes {
    sender: broadcast::Sender<OrderChange>,
}

impl Default for Changes {
    fn default() -> Self {
        // Boards ask again after a lag, so a short buffer loses nothing that matters.
        let (sender, _) = broadcast::channel(256);
        Changes { sender }
    }
}

impl Changes {
    /// Tells this process's boards; nobody listening is fine.
    pub fn publish(&self, change: OrderChange) {
        let _ = self.sender.send(change);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<OrderChange> {
        self.sender.subscribe()
    }
}
