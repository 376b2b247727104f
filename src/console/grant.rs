//! The grants a console sign-in is checked against: the tokens file's lines (`crate::access`) kept
//! as digests and compared in constant time, and the digests of session and link secrets.

use crate::access::{Grant, Role};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The grants as digests, compared in constant time.
pub struct Grants {
    digests: Vec<([u8; 32], Role, String)>,
}

/// Who a token signs in, and which grant did it: the token's digest in hex, which the session
/// keeps so that a reload that removes the line can end it (`crate::reload`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    pub role: Role,
    pub name: String,
    pub grant: String,
}

fn hex(digest: &[u8; 32]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn digest(value: &[u8]) -> [u8; 32] {
    Sha256::digest(value).into()
}

/// Hex of a digest, as the database keeps session and link secrets.
pub fn digest_hex(value: &[u8]) -> String {
    hex(&digest(value))
}

impl Grants {
    pub fn new(grants: &[Grant]) -> Self {
        Grants {
            digests: grants
                .iter()
                .map(|g| {
                    (
                        digest(g.token.expose().as_bytes()),
                        g.role.clone(),
                        g.name.clone(),
                    )
                })
                .collect(),
        }
    }

    /// The role and name a token grants. Every grant is compared, whichever matches.
    pub fn admit(&self, token: &str) -> Option<Admitted> {
        let sent = digest(token.trim().as_bytes());
        let mut found = None;
        for (valid, role, name) in &self.digests {
            if bool::from(valid.ct_eq(&sent)) && found.is_none() {
                found = Some(Admitted {
                    role: role.clone(),
                    name: name.clone(),
                    grant: hex(valid),
                });
            }
        }
        found
    }

    /// Whether the grant a session was opened with (its digest, for that role) is still
    /// granted: a line removed, or its token moved to another role, ends the session.
    pub fn holds(&self, grant: &str, role: &Role) -> bool {
        self.digests
            .iter()
            .any(|(valid, granted, _)| granted == role && hex(valid) == grant)
    }

    /// Every grant as (digest in hex, role as a session keeps it): what a reload keeps.
    pub fn kept(&self) -> Vec<(String, String)> {
        self.digests
            .iter()
            .map(|(valid, role, _)| (hex(valid), role.as_text()))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::parse_grants;

    #[test]
    fn a_file_of_grants_reads_roles_tokens_and_names() {
        let grants = parse_grants(
            "# the console\n\noperator  0123456789abcdef0123 Дежурный оператор\n\
             store:77-001 fedcba9876543210fedc Лесная, 5\n",
        )
        .unwrap();
        assert_eq!(grants.len(), 2);
        assert_eq!(grants[0].role, Role::Operator);
        assert_eq!(grants[0].name, "Дежурный оператор");
        assert_eq!(grants[1].role, Role::Store("77-001".to_owned()));
        assert_eq!(grants[1].name, "Лесная, 5");
        let set = Grants::new(&grants);
        let store = Role::Store("77-001".to_owned());
        let admitted = set.admit("fedcba9876543210fedc").unwrap();
        assert_eq!(
            (&admitted.role, admitted.name.as_str()),
            (&store, "Лесная, 5")
        );
        assert_eq!(admitted.grant, digest_hex(b"fedcba9876543210fedc"));
        assert!(set.holds(&admitted.grant, &store));
        assert!(!set.holds(&admitted.grant, &Role::Operator));
        assert!(!Grants::new(&[]).holds(&admitted.grant, &store));
        assert_eq!(set.admit("fedcba9876543210fedX"), None);
        assert_eq!(set.admit(""), None);
    }
}
