//! Who picks on this device: said once on the board («Кто собирает на этом устройстве») and
//! kept by the device in a cookie of its own, beside (not inside) the session, so that signing
//! in again keeps it. The name is kept percent-encoded: a cookie's value cannot hold Cyrillic as
//! it is.

use super::ConsoleState;
use super::session::cookie;
use crate::domain::PickerName;
use axum_extra::extract::cookie::{Cookie, CookieJar};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

pub const PICKER_COOKIE: &str = "oh_picker";
/// A tablet stays with its picker for a season, not a shift.
const A_YEAR_SECS: u64 = 365 * 24 * 3600;

/// The picker this device said it is, if it said.
pub fn device_picker(jar: &CookieJar) -> Option<PickerName> {
    let value = jar.get(PICKER_COOKIE)?;
    let name = percent_decode_str(value.value()).decode_utf8().ok()?;
    PickerName::parse(&name).ok()
}

/// The cookie that makes `name` this device's picker.
pub fn picker_cookie(state: &ConsoleState, name: &PickerName) -> Cookie<'static> {
    let value = utf8_percent_encode(name.as_str(), NON_ALPHANUMERIC).to_string();
    cookie(state, PICKER_COOKIE, value, A_YEAR_SECS)
}
