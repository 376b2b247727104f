//! The console's stylesheet and scripts, built into the binary: the pages load nothing from
//! anywhere else. Their names carry a version, so browsers may keep them for a year.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Bumped whenever an asset changes, so cached copies are never stale.
pub const VERSION: &str = "5";

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "console.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/console/console.css"),
    ),
    (
        "board.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/console/board.js"),
    ),
    (
        "print.js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/console/print.js"),
    ),
];

/// `/assets/{name}`; the `?v=` the pages add is ignored here, it only busts caches.
pub async fn serve(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(known, _, _)| *known == name) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
