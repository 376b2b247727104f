//! The taps on a store's board: who picks on this device (said once, remembered by the device),
//! and take, finish, hand over, put back. Each tap is a POST with the session's CSRF token,
//! done and journaled by `actions::picking`; every board of the store (on every instance) hears
//! of it through the change feed. A store's sign-in taps on its own store only, the operator
//! anywhere.
//!
//! `board.js` posts the forms itself and gets the store's table back (or the refusal in
//! words, 409); without the script a form's POST goes back to the board (303).

use super::ConsoleState;
use super::board::current_table;
use super::board_rows::clock_text;
use super::changes::OrderChange;
use super::page;
use super::picker_cookie::{device_picker, picker_cookie};
use super::session::Viewer;
use crate::actions::picking::{Tapped, tap};
use crate::domain::{OrderId, PickerName, PickingAction, PickingRefusal, Status};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct PickerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

/// `POST /stores/{id}/picker`: «Это я».
pub async fn choose(
    State(state): State<ConsoleState>,
    viewer: Viewer,
    jar: CookieJar,
    Path(store_id): Path<String>,
    Form(form): Form<PickerForm>,
) -> Response {
    if let Err(refused) = viewer.store_form(&store_id, &form.csrf) {
        return refused.into_response();
    }
    let back = format!("/stores/{}", super::story::path_segment(&store_id));
    let Ok(name) = PickerName::parse(&form.name) else {
        return page::message_back(
            StatusCode::BAD_REQUEST,
            "Имя сборщика",
            "Укажите имя сборщика: от 1 до 64 знаков.",
            Some(&back),
        );
    };
    let jar = jar.add(picker_cookie(&state, &name));
    (jar, Redirect::to(&back)).into_response()
}

#[derive(Deserialize)]
pub struct TapForm {
    #[serde(default)]
    csrf: String,
    /// Whom an order is handed to.
    #[serde(default)]
    to: String,
}

/// What a tap is, from its URL's last segment and the form.
enum Asked {
    Take,
    Finish,
    HandOver,
    PutBack,
}

impl Asked {
    fn from_segment(segment: &str) -> Option<Asked> {
        match segment {
            "take" => Some(Asked::Take),
            "finish" => Some(Asked::Finish),
            "hand-over" => Some(Asked::HandOver),
            "put-back" => Some(Asked::PutBack),
            _ => None,
        }
    }
}

/// The refusal as the picker is told it.
fn refusal_words(refusal: &PickingRefusal, state: &ConsoleState, store_id: &str) -> String {
    let zone = state.zone(Some(store_id));
    let now = Utc::now();
    match refusal {
        PickingRefusal::TakenBy { picker, since } => match since {
            Some(since) => format!(
                "Заказ уже собирает {picker} (с {}).",
                clock_text(*since, zone, now)
            ),
            None => format!("Заказ уже собирает {picker}."),
        },
        PickingRefusal::Finished { picker, at } => format!(
            "Заказ уже собран в {}{}. Чтобы собрать его снова, сначала верните его.",
            clock_text(*at, zone, now),
            picker
                .as_ref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default()
        ),
        PickingRefusal::NotTaken => "Заказ ещё никто не взял в сборку.".to_owned(),
        PickingRefusal::OrderClosed(Status::Cancelled) => {
            "Заказ отменён: собирать его не нужно.".to_owned()
        }
        PickingRefusal::OrderClosed(_) => "Заказ уже передан курьеру.".to_owned(),
    }
}

/// `POST /stores/{id}/orders/{order}/{take|finish|hand-over|put-back}`.
pub async fn act(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    jar: CookieJar,
    viewer: Viewer,
    Path((store_id, order, segment)): Path<(String, String, String)>,
    Form(form): Form<TapForm>,
) -> Response {
    if let Err(refused) = viewer.store_form(&store_id, &form.csrf) {
        return refused.into_response();
    }
    let fragment = headers.contains_key("x-console-fragment");
    let back = format!("/stores/{}", super::story::path_segment(&store_id));
    let tell = |status: StatusCode, words: String| -> Response {
        if fragment {
            (status, [(header::CACHE_CONTROL, "no-store")], words).into_response()
        } else {
            page::message_back(status, "Сборка", &words, Some(&back))
        }
    };
    let (Some(asked), Ok(order)) = (Asked::from_segment(&segment), OrderId::parse(&order)) else {
        return page::not_found().await;
    };
    let me = device_picker(&jar);
    let action = match asked {
        Asked::Take => match me {
            Some(me) => PickingAction::Take(me),
            None => {
                return tell(
                    StatusCode::CONFLICT,
                    "Сначала укажите, кто собирает на этом устройстве.".to_owned(),
                );
            }
        },
        // A manager may close it for the picker: then it is the signed-in name.
        Asked::Finish => match me.or_else(|| PickerName::parse(&viewer.name).ok()) {
            Some(by) => PickingAction::Finish(by),
            None => return tell(StatusCode::CONFLICT, "Укажите, кто собирает.".to_owned()),
        },
        Asked::HandOver => match PickerName::parse(&form.to) {
            Ok(to) => PickingAction::HandOver(to),
            Err(_) => {
                return tell(
                    StatusCode::BAD_REQUEST,
                    "Укажите, кому передать заказ.".to_owned(),
                );
            }
        },
        Asked::PutBack => PickingAction::PutBack,
    };
    let tapped = tap(
        &*state.store,
        &store_id,
        &order,
        &action,
        &viewer.actor(),
        Utc::now(),
    )
    .await;
    match tapped {
        Err(error) => page::unavailable(&error),
        Ok(Tapped::NotFound) => tell(StatusCode::NOT_FOUND, "Такого заказа нет.".to_owned()),
        Ok(Tapped::Refused(refusal)) => tell(
            StatusCode::CONFLICT,
            refusal_words(&refusal, &state, &store_id),
        ),
        Ok(Tapped::Done { decision, .. }) => {
            if decision.changed {
                state.changes.publish(OrderChange {
                    store_id: Some(store_id.clone()),
                    order_id: order.as_str().to_owned(),
                });
            }
            if !fragment {
                return Redirect::to(&back).into_response();
            }
            match current_table(&state, &store_id, &viewer.csrf).await {
                Ok(table) => ([(header::CACHE_CONTROL, "no-store")], Html(table)).into_response(),
                Err(response) => response,
            }
        }
    }
}
