//! The `Client-token` check. Tokens are compared as SHA-256 digests in constant time, so neither
//! the content nor the length of a valid token leaks through response timing.

use crate::config::Secret;
use axum::http::HeaderMap;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The header the marketplace puts the partner's token in (header names are case-insensitive).
pub const CLIENT_TOKEN_HEADER: &str = "client-token";

pub struct TokenSet {
    digests: Vec<[u8; 32]>,
}

fn digest(value: &[u8]) -> [u8; 32] {
    Sha256::digest(value).into()
}

impl TokenSet {
    pub fn new(tokens: &[Secret]) -> Self {
        TokenSet {
            digests: tokens
                .iter()
                .map(|t| digest(t.expose().as_bytes()))
                .collect(),
        }
    }

    /// True when the request carries one of the valid tokens. Every token is compared, so the
    /// time taken does not depend on which one matched.
    pub fn admits(&self, headers: &HeaderMap) -> bool {
        let Some(sent) = headers.get(CLIENT_TOKEN_HEADER) else {
            return false;
        };
        let sent = digest(sent.as_bytes());
        self.digests
            .iter()
            .fold(subtle::Choice::from(0), |found, valid| {
                found | valid.ct_eq(&sent)
            })
            .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(token: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(token) = token {
            headers.insert("Client-Token", HeaderValue::from_str(token).unwrap());
        }
        headers
    }

    #[test]
    fn any_configured_token_is_admitted_and_nothing_else() {
        let set = TokenSet::new(&[Secret::new("old"), Secret::new("new")]);
        assert!(set.admits(&headers(Some("old"))));
        assert!(set.admits(&headers(Some("new"))));
        assert!(!set.admits(&headers(Some("ne"))));
        assert!(!set.admits(&headers(Some(""))));
        assert!(!set.admits(&headers(None)));
        assert!(!TokenSet::new(&[]).admits(&headers(Some("old"))));
    }
}
