//! The `Client-token` check. Tokens are compared as SHA-256 digests in constant time, so neither
//! the content nor the length of a valid token leaks through response timing.

use crate::access::Secret;
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

    /// True when the request carries exactly one `Client-token` and it is one of the valid
    /// tokens. Two headers are refused whatever their order: a proxy that adds one must not
    /// turn a wrong token into a right one. Every token is compared, so the time taken does
    /// not depend on which one matched.
    pub fn admits(&self, headers: &HeaderMap) -> bool {
        let mut sent = headers.get_all(CLIENT_TOKEN_HEADER).iter();
        let (Some(sent), None) = (sent.next(), sent.next()) else {
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

    #[test]
    fn two_token_headers_are_refused_in_either_order() {
        let set = TokenSet::new(&[Secret::new("right")]);
        for pair in [["right", "wrong"], ["wrong", "right"], ["right", "right"]] {
            let mut headers = HeaderMap::new();
            for token in pair {
                headers.append("client-token", HeaderValue::from_static(token));
            }
            assert!(!set.admits(&headers), "{pair:?}");
        }
    }
}
