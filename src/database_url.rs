//! `database_url`, read once (by `config`) into the one value every other part takes: which
//! database, on which hosts, and how to print it with every password masked.
//!
//! PostgreSQL's URL is libpq's, multi-host form included, because that is what an HA setup
//! hands its clients (`pg_autoctl show uri`, Patroni, a cloud's console):
//! `postgres://user:pw@db1:5432,db2:5432/orders?target_session_attrs=read-write`. sqlx reads
//! one host only, so the hosts are taken apart here and each is given to the driver as a
//! single-host URL of its own (`driver_url`); `store::primary` chooses among them.
//! `target_session_attrs` and `connect_timeout` are ours to apply and are not passed on.

mod display;
#[cfg(test)]
mod tests;

use percent_encoding::percent_decode_str;
use std::time::Duration;

/// The database the service runs on.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// The embedded file, as given (`sqlite://PATH`, `sqlite:PATH`, `sqlite::memory:`); the
    /// driver reads the rest.
    Sqlite(String),
    /// A server, or several of which one takes writes.
    Postgres(PostgresUrl),
}

/// Which servers a PostgreSQL connection may be kept to (libpq's `target_session_attrs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetSession {
    /// Only a server that takes writes: not in recovery, `transaction_read_only` off. The
    /// default, whether one host is given or several: the service only writes, and a standby
    /// would fail every event with "read-only transaction".
    ReadWrite,
    /// Whatever answers first, unchecked (libpq's `any`).
    Any,
}

/// One `host:port` of a PostgreSQL URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// A name, an address (IPv6 without brackets) or a Unix socket directory (`/…`); empty for
    /// the driver's default (`PGHOST`, else localhost).
    pub name: String,
    /// `None` for the driver's default (`PGPORT`, else 5432).
    pub port: Option<u16>,
}

/// A PostgreSQL URL, taken apart. The user and password are kept as written (still
/// percent-encoded), so that the single-host URLs handed to the driver say exactly what the
/// operator wrote.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl {
    scheme: String,
    user: String,
    password: Option<String>,
    hosts: Vec<Host>,
    /// `/dbname` as written, or empty.
    path: String,
    /// Every other query parameter, as written, for the driver.
    params: Vec<(String, String)>,
    pub target: TargetSession,
    /// How long one host may take to accept a connection before the next is tried.
    pub connect_timeout: Duration,
}

/// Without `connect_timeout`: a request waits at most 4 s in all, so no host may hold a
/// failover's search for longer than this (libpq would wait for ever).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// More hosts than any HA setup has: a longer list is a mistake in the URL.
pub const MAX_HOSTS: usize = 16;

/// Why a `database_url` was refused; the text says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DatabaseUrlError(String);

fn refuse<T>(why: impl Into<String>) -> Result<T, DatabaseUrlError> {
    Err(DatabaseUrlError(why.into()))
}

impl DatabaseUrl {
    pub fn parse(text: &str) -> Result<DatabaseUrl, DatabaseUrlError> {
        let text = text.trim();
        if text.starts_with("sqlite:") {
            return Ok(DatabaseUrl::Sqlite(text.to_owned()));
        }
        match text.split_once("://") {
            Some((scheme @ ("postgres" | "postgresql"), rest)) => {
                PostgresUrl::parse(scheme, rest).map(DatabaseUrl::Postgres)
            }
            _ => refuse(format!(
                "{}: use sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT[,HOST:PORT…]/DB",
                mask_unparsed(text)
            )),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, DatabaseUrl::Postgres(_))
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = DatabaseUrlError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        DatabaseUrl::parse(text)
    }
}

impl PostgresUrl {
    fn parse(scheme: &str, rest: &str) -> Result<PostgresUrl, DatabaseUrlError> {
        if rest.contains('#') {
            return refuse("a PostgreSQL URL has no #fragment");
        }
        let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = match before_query.find('/') {
            Some(at) => before_query.split_at(at),
            None => (before_query, ""),
        };
        // The password may hold '@' only percent-encoded, as in libpq: the last '@' ends it.
        let (userinfo, hostlist) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        let (user, password) = match userinfo {
            None => (String::new(), None),
            Some(info) => match info.split_once(':') {
                Some((user, password)) => (user.to_owned(), Some(password.to_owned())),
                None => (info.to_owned(), None),
            },
        };
        let mut hosts = parse_hostlist(hostlist)?;
        let mut params = Vec::new();
        let mut target = None;
        let mut connect_timeout = DEFAULT_CONNECT_TIMEOUT;
        let (mut host_param, mut port_param) = (None, None);
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded = decode(value)?;
            match key {
                "target_session_attrs" => target = Some(target_session(&decoded)?),
                "connect_timeout" => connect_timeout = timeout_seconds(&decoded)?,
                "host" => host_param = Some(decoded),
                "port" => port_param = Some(decoded),
                _ => params.push((key.to_owned(), value.to_owned())),
            }
        }
        // libpq: parameters in the query win over the URL's own hosts and ports.
        if let Some(names) = host_param {
            hosts = names
                .split(',')
                .map(|name| Host {
                    name: name.to_owned(),
                    port: None,
                })
                .collect();
        }
        if let Some(ports) = port_param {
            apply_ports(&mut hosts, &ports)?;
        }
        if hosts.len() > MAX_HOSTS {
            return refuse(format!(
                "{} hosts: at most {MAX_HOSTS} may be listed",
                hosts.len()
            ));
        }
        Ok(PostgresUrl {
            scheme: scheme.to_owned(),
            user,
            password,
            hosts,
            path: path.to_owned(),
            params,
            target: target.unwrap_or(TargetSession::ReadWrite),
            connect_timeout,
        })
    }

    /// The hosts in the order they are tried; at least one.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// The URL of one host alone, with the password, for the driver: never for a log line.
    /// Everything goes as a query parameter (`postgres:///db?host=…&port=…&user=…`), which the
    /// driver reads alike for names, IPv6 addresses and socket directories.
    pub fn driver_url(&self, host: &Host) -> Result<String, DatabaseUrlError> {
        let mut params: Vec<String> = Vec::new();
        if !host.name.is_empty() {
            params.push(format!("host={}", encode(&host.name)));
        }
        if let Some(port) = host.port {
            params.push(format!("port={port}"));
        }
        // Written in the URL's userinfo, where '+' is a plus; as a parameter it must be
        // encoded again, or the driver would read it as a space.
        if !self.user.is_empty() {
            params.push(format!("user={}", encode(&decode(&self.user)?)));
        }
        if let Some(password) = &self.password {
            params.push(format!("password={}", encode(&decode(password)?)));
        }
        params.extend(self.params.iter().map(|(k, v)| format!("{k}={v}")));
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        Ok(format!("{}://{path}?{}", self.scheme, params.join("&")))
    }
}

/// `a:1,[::1]:2,b` into hosts; an empty list is the driver's default host.
fn parse_hostlist(list: &str) -> Result<Vec<Host>, DatabaseUrlError> {
    list.split(',')
        .enumerate()
        .map(|(n, spec)| {
            parse_hostspec(spec).map_err(|why| {
                DatabaseUrlError(format!("host {} ({:?}) of the URL: {why}", n + 1, spec))
            })
        })
        .collect()
}

fn parse_hostspec(spec: &str) -> Result<Host, String> {
    let (name, port) = if let Some(bracketed) = spec.strip_prefix('[') {
        let (address, after) = bracketed
            .split_once(']')
            .ok_or("an IPv6 address opened with [ is not closed with ]")?;
        match after {
            "" => (address.to_owned(), None),
            _ => match after.strip_prefix(':') {
                Some(port) => (address.to_owned(), Some(port)),
                None => return Err(format!("{after:?} after the address: expected :PORT")),
            },
        }
    } else {
        match spec.rsplit_once(':') {
            Some((name, port)) => (name.to_owned(), Some(port)),
            None => (spec.to_owned(), None),
        }
    };
    let name = percent_decode_str(&name)
        .decode_utf8()
        .map_err(|_| "the host name is not UTF-8 once decoded".to_owned())?
        .into_owned();
    let port = match port {
        None | Some("") => None,
        Some(port) => Some(port_number(port)?),
    };
    Ok(Host { name, port })
}

fn port_number(text: &str) -> Result<u16, String> {
    match text.parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(format!("port {text:?} is not a number from 1 to 65535")),
    }
}

/// libpq's `port=` list: one port for every host, or one a host in order.
fn apply_ports(hosts: &mut [Host], ports: &str) -> Result<(), DatabaseUrlError> {
    let ports: Vec<Option<u16>> = ports
        .split(',')
        .map(|port| match port {
            "" => Ok(None),
            port => port_number(port).map(Some),
        })
        .collect::<Result<_, _>>()
        .map_err(|why| DatabaseUrlError(format!("port= parameter: {why}")))?;
    match ports.as_slice() {
        [one] => hosts.iter_mut().for_each(|host| host.port = *one),
        many if many.len() == hosts.len() => {
            for (host, port) in hosts.iter_mut().zip(many) {
                host.port = *port;
            }
        }
        many => {
            return refuse(format!(
                "port= names {} ports for {} hosts: give one, or one a host",
                many.len(),
                hosts.len()
            ));
        }
    }
    Ok(())
}

fn target_session(value: &str) -> Result<TargetSession, DatabaseUrlError> {
    match value {
        // libpq's `primary` asks only "not in recovery"; a primary set read-only by hand is
        // of no more use to this service than a standby, so both are checked the same way.
        "read-write" | "primary" => Ok(TargetSession::ReadWrite),
        "any" => Ok(TargetSession::Any),
        "read-only" | "standby" | "prefer-standby" => refuse(format!(
            "target_session_attrs={value}: the service writes every event, so it needs a \
             server that takes writes: read-write (the default) or any"
        )),
        other => refuse(format!(
            "target_session_attrs={other:?}: use read-write (the default) or any"
        )),
    }
}

fn timeout_seconds(value: &str) -> Result<Duration, DatabaseUrlError> {
    match value.parse::<u64>() {
        Ok(seconds @ 1..=600) => Ok(Duration::from_secs(seconds)),
        _ => refuse(format!(
            "connect_timeout={value:?}: give whole seconds from 1 to 600 (the service never \
             waits for a host without bound; without it, {} s)",
            DEFAULT_CONNECT_TIMEOUT.as_secs()
        )),
    }
}

fn decode(value: &str) -> Result<String, DatabaseUrlError> {
    percent_decode_str(value)
        .decode_utf8()
        .map(|value| value.into_owned())
        .map_err(|_| DatabaseUrlError("a query parameter is not UTF-8 once decoded".into()))
}

fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A parameter whose value is a secret (`password`, `sslpassword`).
fn is_secret(key: &str) -> bool {
    key.to_ascii_lowercase().contains("password")
}

/// The masked form of a text that was not understood, for the refusal: whatever stands between
/// `://` and the last `@` may be a password.
fn mask_unparsed(text: &str) -> String {
    match (text.find("://"), text.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &text[..scheme], &text[at + 1..])
        }
        _ => text.to_owned(),
    }
}
