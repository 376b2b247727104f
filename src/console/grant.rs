//! The grants a console sign-in is checked against: the tokens file's lines (`crate::access`) kept
//! as digests and compared in constant time, and the digests of session and link secrets.

use crate::access::{Grant, Role};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The grants as digests, compared in constant time.
pub struct Grants {
    digests: Vec<([u8; 32], Role, String)>,
}

pub fn digest(value: &[u8]) -> [u8; 32] {
    Sha256::digest(value).into()
}

/// Hex of a digest, as the database keeps session and link secrets.
pub fn digest_hex(value: &[u8]) -> String {
    digest(value).iter().map(|b| format!("{b:02x}")).collect()
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
    pub fn admit(&self, token: &str) -> Option<(Role, String)> {
        let sent = digest(token.trim().as_bytes());
        let mut found = None;
        for (valid, role, name) in &self.digests {
            if bool::from(valid.ct_eq(&sent)) && found.is_none() {
                found = Some((role.clone(), name.clone()));
            }
        }
        found
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
        assert_eq!(
            set.admit("fedcba9876543210fedc"),
            Some((Role::Store("77-001".to_owned()), "Лесная, 5".to_owned()))
        );
        assert_eq!(set.admit("fedcba9876543210fedX"), None);
        assert_eq!(set.admit(""), None);
    }
}
