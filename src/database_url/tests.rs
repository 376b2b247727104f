use super::*;
use proptest::prelude::*;
use sqlx::ConnectOptions;
use sqlx::postgres::PgConnectOptions;
use std::str::FromStr;

fn postgres(text: &str) -> PostgresUrl {
    match DatabaseUrl::parse(text) {
        Ok(DatabaseUrl::Postgres(url)) => url,
        other => panic!("{text} read as {other:?}"),
    }
}

fn refusal(text: &str) -> String {
    match DatabaseUrl::parse(text) {
        Err(error) => error.to_string(),
        Ok(url) => panic!("{text} was taken as {url:?}"),
    }
}

fn host(name: &str, port: Option<u16>) -> Host {
    Host {
        name: name.to_owned(),
        port,
    }
}

#[test]
fn the_uri_pg_autoctl_hands_out_names_both_nodes_in_order() {
    let url = postgres(
        "postgres://autoctl_node@node1:5501,node2:5502/orders?target_session_attrs=read-write&sslmode=prefer",
    );
    assert_eq!(
        url.hosts(),
        [host("node1", Some(5501)), host("node2", Some(5502))]
    );
    assert_eq!(url.target, TargetSession::ReadWrite);
    assert_eq!(url.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
    assert_eq!(
        url.to_string(),
        "postgres://autoctl_node@node1:5501,node2:5502/orders?sslmode=prefer"
    );
}

#[test]
fn one_host_is_checked_for_writes_too_unless_any_is_asked() {
    assert_eq!(
        postgres("postgres://hook@db/orders").target,
        TargetSession::ReadWrite
    );
    assert_eq!(
        postgres("postgresql://hook@db/orders?target_session_attrs=any").target,
        TargetSession::Any
    );
    assert_eq!(
        postgres("postgres://hook@db/orders?target_session_attrs=primary").target,
        TargetSession::ReadWrite
    );
}

#[test]
fn every_password_is_masked_in_what_is_printed() {
    let url = DatabaseUrl::parse(
        "postgres://hook:s3cr%40t@db1:5432,db2/orders?password=other&sslpassword=third&sslmode=require",
    )
    .expect("parses");
    let shown = url.to_string();
    assert_eq!(
        shown,
        "postgres://hook:***@db1:5432,db2/orders?password=***&sslpassword=***&sslmode=require"
    );
    let debugged = format!("{url:?}");
    for secret in ["s3cr", "other", "third"] {
        assert!(
            !shown.contains(secret) && !debugged.contains(secret),
            "{secret}"
        );
    }
}

#[test]
fn a_refusal_does_not_print_the_password_either() {
    let said = refusal("mysql://hook:s3cret@db/orders");
    assert!(!said.contains("s3cret"), "{said}");
    assert!(said.contains("use sqlite://PATH or postgres://"), "{said}");
}

#[test]
fn each_host_is_handed_to_the_driver_alone_with_the_user_and_password() {
    let url = postgres(
        "postgres://ho%2Bok:p%40ss+word@db1:5433,[::1]:5434/orders?sslmode=disable&connect_timeout=7",
    );
    assert_eq!(url.connect_timeout, Duration::from_secs(7));
    let first = PgConnectOptions::from_str(&url.driver_url(&url.hosts()[0]).unwrap()).unwrap();
    assert_eq!(first.get_host(), "db1");
    assert_eq!(first.get_port(), 5433);
    assert_eq!(first.get_username(), "ho+ok");
    assert_eq!(first.get_database(), Some("orders"));
    let second = PgConnectOptions::from_str(&url.driver_url(&url.hosts()[1]).unwrap()).unwrap();
    assert_eq!(second.get_host(), "::1");
    assert_eq!(second.get_port(), 5434);
    // The password is what was written, '+' a plus: the driver's own URL form of it proves it.
    // (the driver's own URL form of the first host: it cannot print an IPv6 host)
    let driver_form = first.to_url_lossy().to_string();
    assert!(driver_form.contains(":p%40ss%2Bword@"), "{driver_form}");
}

#[test]
fn a_socket_directory_and_query_hosts_and_ports_read_as_libpq_reads_them() {
    let url = postgres("postgres:///orders?host=/var/run/postgresql,db2&port=5432,6432");
    assert_eq!(
        url.hosts(),
        [
            host("/var/run/postgresql", Some(5432)),
            host("db2", Some(6432))
        ]
    );
    let socket = PgConnectOptions::from_str(&url.driver_url(&url.hosts()[0]).unwrap()).unwrap();
    assert_eq!(
        socket.get_socket().map(|p| p.display().to_string()),
        Some("/var/run/postgresql".to_owned())
    );
    let one_port = postgres("postgres://db1,db2/orders?port=6432");
    assert!(one_port.hosts().iter().all(|h| h.port == Some(6432)));
    let default = postgres("postgres:///orders");
    assert_eq!(default.hosts(), [host("", None)]);
}

#[test]
fn mistakes_are_refused_with_what_to_write_instead() {
    let said = refusal("postgres://hook@db1:5432,db2:x/orders");
    assert!(said.contains("host 2") && said.contains("\"x\""), "{said}");
    assert!(refusal("postgres://db1:0/orders").contains("1 to 65535"));
    assert!(refusal("postgres://db1:70000/orders").contains("1 to 65535"));
    assert!(refusal("postgres://db/orders?target_session_attrs=read-only").contains("writes"));
    assert!(refusal("postgres://db/orders?target_session_attrs=standby").contains("read-write"));
    assert!(refusal("postgres://db/orders?target_session_attrs=bogus").contains("read-write"));
    assert!(refusal("postgres://db/orders?connect_timeout=0").contains("1 to 600"));
    assert!(refusal("postgres://db1,db2,db3/orders?port=1,2").contains("one a host"));
    assert!(refusal("postgres://[::1/orders").contains("not closed"));
    let many: Vec<String> = (0..=MAX_HOSTS).map(|n| format!("db{n}")).collect();
    assert!(refusal(&format!("postgres://{}/orders", many.join(","))).contains("at most"));
}

#[test]
fn sqlite_urls_are_kept_as_written() {
    for text in [
        "sqlite://orders-hook.db",
        "sqlite:orders.db",
        "sqlite::memory:",
    ] {
        let url = DatabaseUrl::parse(text).unwrap();
        assert_eq!(url, DatabaseUrl::Sqlite(text.to_owned()));
        assert_eq!(url.to_string(), text);
        assert!(!url.is_postgres());
    }
}

fn host_name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,12}(\\.[a-z][a-z0-9-]{0,8}){0,2}"
}

fn hosts() -> impl Strategy<Value = Vec<(String, Option<u16>)>> {
    prop::collection::vec((host_name(), prop::option::of(1u16..)), 1..=MAX_HOSTS)
}

proptest! {
    /// Whatever the text, reading it answers (a value or a refusal) and never panics.
    #[test]
    fn any_text_is_read_or_refused(text in "\\PC{0,80}", tail in "[a-z0-9:@/,\\[\\]?&=%.-]{0,60}") {
        let _ = DatabaseUrl::parse(&text);
        let _ = DatabaseUrl::parse(&format!("postgres://{tail}"));
    }

    /// The hosts come back in the order written, each with its port, and are printed so.
    #[test]
    fn hosts_are_kept_in_order(list in hosts()) {
        let spec: Vec<String> = list.iter().map(|(name, port)| match port {
            Some(port) => format!("{name}:{port}"),
            None => name.clone(),
        }).collect();
        let url = postgres(&format!("postgres://hook:pw@{}/orders", spec.join(",")));
        let read: Vec<(String, Option<u16>)> =
            url.hosts().iter().map(|h| (h.name.clone(), h.port)).collect();
        prop_assert_eq!(&read, &list);
        prop_assert_eq!(url.to_string(), format!("postgres://hook:***@{}/orders", spec.join(",")));
        for host in url.hosts() {
            let options = PgConnectOptions::from_str(&url.driver_url(host).unwrap()).unwrap();
            prop_assert_eq!(options.get_host(), host.name.as_str());
            prop_assert_eq!(options.get_port(), host.port.unwrap_or(5432));
        }
    }

    /// No password, however it is spelled, reaches the printed form.
    #[test]
    fn no_password_is_ever_printed(password in "[A-Za-z0-9]{6,20}", list in hosts()) {
        let secret = format!("Zq{password}");
        let spec: Vec<String> = list.iter().map(|(name, _)| name.clone()).collect();
        for text in [
            format!("postgres://hook:{secret}@{}/orders", spec.join(",")),
            format!("postgres://hook@{}/orders?password={secret}", spec.join(",")),
        ] {
            let url = DatabaseUrl::parse(&text).unwrap();
            prop_assert!(!url.to_string().contains(&secret));
            let debugged = format!("{url:?}");
            prop_assert!(!debugged.contains(&secret));
        }
    }
}
