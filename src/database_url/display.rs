//! How a `DatabaseUrl` prints: the one form that reaches a log line or a message, with every
//! password masked.

use super::{DatabaseUrl, Host, PostgresUrl, TargetSession, is_secret};
use std::fmt;

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = if self.name.is_empty() {
            "localhost"
        } else {
            &self.name
        };
        match (name.contains(':'), self.port) {
            (true, Some(port)) => write!(f, "[{name}]:{port}"),
            (false, Some(port)) => write!(f, "{name}:{port}"),
            (_, None) => write!(f, "{name}"),
        }
    }
}

/// The URL with every password masked: the one form that reaches a log line or a message.
impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme)?;
        if !self.user.is_empty() || self.password.is_some() {
            f.write_str(&self.user)?;
            if self.password.is_some() {
                f.write_str(":***")?;
            }
            f.write_str("@")?;
        }
        let hosts: Vec<String> = self.hosts.iter().map(Host::to_string).collect();
        write!(f, "{}{}", hosts.join(","), self.path)?;
        let mut params: Vec<String> = self
            .params
            .iter()
            .map(|(key, value)| match is_secret(key) {
                true => format!("{key}=***"),
                false => format!("{key}={value}"),
            })
            .collect();
        if self.target == TargetSession::Any {
            params.push("target_session_attrs=any".into());
        }
        if !params.is_empty() {
            write!(f, "?{}", params.join("&"))?;
        }
        Ok(())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(url) => f.write_str(url),
            DatabaseUrl::Postgres(url) => url.fmt(f),
        }
    }
}

/// `Debug` is the masked form too: a `Config` printed whole leaks nothing.
impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresUrl({self})")
    }
}
