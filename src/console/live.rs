//! A board's event stream (`/stores/{id}/events`, Server-Sent Events): an event named `changed`
//! whenever an order of the store was committed anew, and nothing else. The board then fetches
//! its table again (`board.js`), so the stream never carries what to show, and a stream that
//! fell behind says `changed` once instead of catching up.

use super::ConsoleState;
use super::changes::Heard;
use super::session::StoreViewer;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// A comment this often keeps idle proxies and tablets' Wi-Fi from closing a quiet stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `GET /stores/{id}/events`.
pub async fn events(
    State(state): State<ConsoleState>,
    StoreViewer { store_id, .. }: StoreViewer,
) -> Response {
    // Subscribed before the answer's head goes out: a change committed after the board saw
    // the head is never missed.
    let receiver = state.changes.subscribe();
    let stream = futures_util::stream::unfold(
        (receiver, store_id),
        |(mut receiver, store_id)| async move {
            loop {
                let order = match receiver.recv().await {
                    Ok(Heard::Order(change)) if change.store_id.as_deref() == Some(&store_id) => {
                        change.order_id
                    }
                    Ok(Heard::Order(_)) => continue,
                    // Changes went by unheard: look again, whichever they were.
                    Ok(Heard::Missed) | Err(RecvError::Lagged(_)) => String::new(),
                    Err(RecvError::Closed) => return None,
                };
                let event = Event::default().event("changed").data(order);
                return Some((Ok::<_, Infallible>(event), (receiver, store_id)));
            }
        },
    );
    // A service stop must not wait for open boards: their streams end, and the browsers
    // reconnect to another instance (or to this one, once it is back).
    let shutdown = state.shutdown.clone();
    let stream = stream.take_until(async move { shutdown.cancelled().await });
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    // nginx passes this stream on as it comes, unbuffered.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}
