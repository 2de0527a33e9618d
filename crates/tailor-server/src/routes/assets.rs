//! Static files a shop's pages load straight from Tailor: `tracker.js`, compiled into the binary
//! so the server and the script it hands out always match.

use axum::http::header;
use axum::response::IntoResponse;

/// The browser tracker (see `assets/tracker.js` for its API).
pub const TRACKER_JS: &str = include_str!("../../assets/tracker.js");

/// How long browsers and CDNs may cache the tracker before asking again.
const TRACKER_MAX_AGE_SECS: u32 = 300;

/// `GET /tracker.js`: no key needed, every shop page loads it.
pub async fn tracker_js() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8".to_string(),
            ),
            (
                header::CACHE_CONTROL,
                format!("public, max-age={TRACKER_MAX_AGE_SECS}"),
            ),
        ],
        TRACKER_JS,
    )
}
