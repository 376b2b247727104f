//! The console's grants: one line of the tokens file each (`operator TOKEN Name…` or
//! `store:77-001 TOKEN Name…`), and the role it gives: the operator sees every store and may
//! act; a store's token sees that store's board and orders, read-only.

use super::secret::Secret;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Operator,
    Store(String),
}

impl Role {
    /// As a session row keeps it: `operator`, or `store:<id>`.
    pub fn as_text(&self) -> String {
        match self {
            Role::Operator => "operator".to_owned(),
            Role::Store(id) => format!("store:{id}"),
        }
    }

    pub fn from_text(text: &str) -> Option<Role> {
        match text {
            "operator" => Some(Role::Operator),
            _ => text
                .strip_prefix("store:")
                .filter(|id| !id.is_empty())
                .map(|id| Role::Store(id.to_owned())),
        }
    }

    /// Whether this role may see `store_id`'s board and orders.
    pub fn sees(&self, store_id: Option<&str>) -> bool {
        match self {
            Role::Operator => true,
            Role::Store(own) => store_id == Some(own.as_str()),
        }
    }

    pub fn is_operator(&self) -> bool {
        matches!(self, Role::Operator)
    }
}

/// One line of the tokens file.
#[derive(Debug, Clone)]
pub struct Grant {
    pub role: Role,
    pub name: String,
    pub token: Secret,
}

/// Reads the tokens file; an error names the line, never the token.
pub fn parse_grants(text: &str) -> Result<Vec<Grant>, String> {
    let mut grants = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (role, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim_start();
        let (token, name) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let name = name.trim();
        let (false, false) = (token.is_empty(), name.is_empty()) else {
            return Err(format!(
                "line {}: expected `operator TOKEN Name` or `store:ID TOKEN Name`",
                index + 1
            ));
        };
        let Some(role) = Role::from_text(role) else {
            return Err(format!(
                "line {}: {role:?} is neither `operator` nor `store:ID`",
                index + 1
            ));
        };
        if token.chars().count() < 16 {
            return Err(format!(
                "line {}: the token is shorter than 16 characters",
                index + 1
            ));
        }
        grants.push(Grant {
            role,
            name: name.trim().to_owned(),
            token: Secret::new(token),
        });
    }
    Ok(grants)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_line_is_named_without_its_token() {
        for (text, says) in [
            ("operator onlytwo", "line 1"),
            ("admin 0123456789abcdef0123 X", "neither"),
            ("store: 0123456789abcdef0123 X", "neither"),
            ("operator short X", "shorter than 16"),
        ] {
            let error = parse_grants(text).unwrap_err();
            assert!(error.contains(says), "{text}: {error}");
            assert!(!error.contains("0123456789abcdef0123"), "{error}");
        }
    }

    #[test]
    fn a_store_sees_its_own_store_only() {
        let store = Role::Store("77-001".to_owned());
        assert!(store.sees(Some("77-001")));
        assert!(!store.sees(Some("77-002")));
        assert!(!store.sees(None));
        assert!(Role::Operator.sees(Some("77-002")));
        assert_eq!(Role::from_text(&store.as_text()), Some(store));
    }
}
