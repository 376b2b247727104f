//! The Prometheus alert rules of `deploy/prometheus/`: promtool's own check and unit tests, and
//! what promtool cannot see — every alert has a case that fires and one that stays quiet, its
//! runbook link lands on a section of docs/alerts.md, and it names only metrics the service
//! exports. promtool comes from Debian's `prometheus` package (`scripts/test` installs it and
//! names it in `ORDERS_HOOK_TEST_PROMTOOL`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "markdown/anchors.rs"]
mod anchors;
use anchors::anchors;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/prometheus");
const RULES: &str = "orders-hook.rules.yml";
const RULE_TESTS: &str = "orders-hook.rules.test.yml";
const SCRAPE_CONFIG: &str = "prometheus.yml";
const RUNBOOKS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/alerts.md");

fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// promtool, or `None`, loudly, without it; in CI (`ORDERS_HOOK_REQUIRE_POSTGRES=1`, which asks
/// that every test really run) a missing promtool fails instead.
fn promtool() -> Option<PathBuf> {
    let path = std::env::var("ORDERS_HOOK_TEST_PROMTOOL")
        .ok()
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from("/usr/bin/promtool"), PathBuf::from);
    if path.exists() {
        return Some(path);
    }
    let why = format!(
        "the alert rules' test needs promtool, not found: {}. scripts/test installs it \
         (apt-get install -y prometheus) when run as root",
        path.display()
    );
    if std::env::var("ORDERS_HOOK_REQUIRE_POSTGRES").as_deref() == Ok("1") {
        panic!("ORDERS_HOOK_REQUIRE_POSTGRES=1: every test must run here, and {why}");
    }
    eprintln!("SKIPPED: {why}");
    None
}

/// Runs promtool in `deploy/prometheus/` (the rule tests name the rules file beside them).
fn run_promtool(args: &[&str]) {
    let Some(promtool) = promtool() else {
        return;
    };
    let output = Command::new(&promtool)
        .args(args)
        .current_dir(DIR)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", promtool.display()));
    assert!(
        output.status.success(),
        "promtool {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn promtool_checks_the_rules() {
    run_promtool(&["check", "rules", RULES]);
}

#[test]
fn the_rules_pass_their_promtool_unit_tests() {
    run_promtool(&["test", "rules", RULE_TESTS]);
}

#[test]
fn promtool_checks_the_example_scrape_config() {
    run_promtool(&["check", "config", SCRAPE_CONFIG]);
}

/// One alerting rule, as its lines say.
#[derive(Debug, Default)]
struct Alert {
    severity: Option<String>,
    runbook_url: Option<String>,
    summary: bool,
    description: bool,
}

/// The value after `key:` on a trimmed line, unquoted.
fn value_of<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(key)?.strip_prefix(':')?;
    Some(rest.trim().trim_matches('"'))
}

/// The alerting rules by name, read line by line (the file is ours, one key a line).
fn alerts() -> BTreeMap<String, Alert> {
    let mut alerts = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in read(Path::new(DIR).join(RULES)).lines() {
        let line = line.trim();
        if let Some(name) = value_of(line, "- alert") {
            assert!(
                alerts.insert(name.to_owned(), Alert::default()).is_none(),
                "{name} twice"
            );
            current = Some(name.to_owned());
            continue;
        }
        let Some(alert) = current.as_ref().and_then(|name| alerts.get_mut(name)) else {
            continue;
        };
        if let Some(severity) = value_of(line, "severity") {
            alert.severity = Some(severity.to_owned());
        } else if let Some(url) = value_of(line, "runbook_url") {
            alert.runbook_url = Some(url.to_owned());
        } else if line.starts_with("summary:") {
            alert.summary = true;
        } else if line.starts_with("description:") {
            alert.description = true;
        }
    }
    assert!(!alerts.is_empty(), "no alert in {RULES}");
    alerts
}

#[test]
fn every_alert_has_a_severity_a_summary_a_description_and_a_runbook() {
    for (name, alert) in alerts() {
        assert!(
            matches!(alert.severity.as_deref(), Some("page" | "ticket")),
            "{name}: severity page or ticket, not {:?}",
            alert.severity
        );
        assert!(alert.summary && alert.description, "{name}: {alert:?}");
        assert_eq!(
            alert.runbook_url,
            Some(format!("docs/alerts.md#{}", name.to_lowercase())),
            "{name}: the runbook is its own section of docs/alerts.md"
        );
    }
}

#[test]
fn every_alert_has_a_case_that_fires_and_one_that_stays_quiet() {
    // (fires, stays quiet) per alert name, from each `alertname:` and the `exp_alerts` after it.
    let mut cases: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    let mut alertname: Option<String> = None;
    for line in read(Path::new(DIR).join(RULE_TESTS)).lines() {
        let line = line.trim();
        if let Some(name) = value_of(line, "alertname") {
            alertname = Some(name.to_owned());
        } else if let Some(expected) = value_of(line, "exp_alerts") {
            let name = alertname.take().expect("exp_alerts after an alertname");
            let case = cases.entry(name).or_default();
            if expected == "[]" {
                case.1 = true;
            } else {
                case.0 = true;
            }
        }
    }
    let alerts = alerts();
    for name in cases.keys() {
        assert!(
            alerts.contains_key(name),
            "{RULE_TESTS} tests {name}, no such alert"
        );
    }
    for name in alerts.keys() {
        let (fires, quiet) = cases.get(name).copied().unwrap_or_default();
        assert!(fires, "{name}: no case in {RULE_TESTS} where it fires");
        assert!(
            quiet,
            "{name}: no case in {RULE_TESTS} where it stays quiet"
        );
    }
}

#[test]
fn every_runbook_link_lands_on_a_section_of_the_runbooks() {
    let runbooks = read(RUNBOOKS);
    let anchors = anchors(&runbooks);
    for (name, alert) in alerts() {
        let url = alert.runbook_url.unwrap_or_default();
        let (_, wanted) = url.split_once('#').unwrap_or_default();
        assert!(
            anchors.contains(wanted),
            "{name}: {url} has no heading in docs/alerts.md (anchors: {anchors:?})"
        );
    }
}

#[test]
fn the_rules_name_only_metrics_the_service_exports() {
    // Every metric name lives in `telemetry::names`, as a string.
    let names = read(concat!(env!("CARGO_MANIFEST_DIR"), "/src/telemetry.rs"));
    let rules = read(Path::new(DIR).join(RULES));
    let mut seen = 0;
    for (at, _) in rules.match_indices("orders_hook_") {
        let metric: String = rules[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        seen += 1;
        assert!(
            names.contains(&format!("\"{metric}\"")),
            "{metric} in {RULES} is not a metric of src/telemetry.rs"
        );
    }
    assert!(seen > 10, "the rules name the service's metrics");
}
