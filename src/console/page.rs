//! What every console page shares: the header with who is signed in and where they may go, and
//! the pages for "not yours", "not here" and "the database is away".

use super::assets::VERSION;
use super::session::Viewer;
use crate::access::Role;
use crate::store::StoreError;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// The header's links and the sign-out form, from the viewer.
#[derive(Debug, Clone)]
pub struct Nav {
    pub title: String,
    pub name: String,
    pub operator: bool,
    /// A store viewer's own store (its board is its home).
    pub own_store: Option<String>,
    pub csrf: String,
    pub assets: &'static str,
}

impl Nav {
    pub fn new(viewer: &Viewer, title: impl Into<String>) -> Nav {
        Nav {
            title: title.into(),
            name: viewer.name.clone(),
            operator: viewer.role.is_operator(),
            own_store: match &viewer.role {
                Role::Store(id) => Some(id.clone()),
                Role::Operator => None,
            },
            csrf: viewer.csrf.clone(),
            assets: VERSION,
        }
    }
}

/// Renders a page, or says plainly that it could not be.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, "console page failed to render");
            render_failed()
        }
    }
}

/// The answer when a template failed (logged by the caller).
pub fn render_failed() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "the page could not be drawn",
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "console/message.html")]
struct Message<'a> {
    title: &'a str,
    text: &'a str,
    assets: &'static str,
    /// Where the person goes back to; the home page when `None`.
    back: Option<&'a str>,
}

fn message(status: StatusCode, title: &str, text: &str) -> Response {
    message_back(status, title, text, None)
}

/// A page that says one thing, with a way back.
pub fn message_back(status: StatusCode, title: &str, text: &str, back: Option<&str>) -> Response {
    let mut response = render(&Message {
        title,
        text,
        assets: VERSION,
        back,
    });
    *response.status_mut() = status;
    response
}

pub fn forbidden() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Нет доступа",
        "Эта страница не для вашего входа.",
    )
}

pub async fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "Не найдено",
        "Такой страницы или такого заказа нет.",
    )
}

pub fn gone() -> Response {
    message(
        StatusCode::GONE,
        "Ссылка не действует",
        "Ссылка уже использована, отозвана или устарела. Попросите у оператора новую.",
    )
}

pub fn unavailable(error: &StoreError) -> Response {
    tracing::warn!(%error, "console: database unavailable");
    message(
        StatusCode::SERVICE_UNAVAILABLE,
        "База данных недоступна",
        "Попробуйте обновить страницу через минуту.",
    )
}
