//! `plan run --metrics-file FILE` and `--pushgateway URL`: the run's outcome in the
//! Prometheus text exposition format (version 0.0.4), for node_exporter's textfile
//! collector or a Pushgateway.
//!
//! Per target (labels `vendor`, `target`): the time of its last success (carried from the
//! `--state` file for a target that succeeded in an earlier run, or an earlier night), this
//! run's duration, its status (one series per status, 1 for the current one), and the
//! creates whose outcome was unknown. Per vendor: the transport's requests, retries and
//! throttled answers (`backup_core::ServiceClient::stats`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::SystemTime;

use backup_core::TransportStats;
use serde_json::Value;

use crate::error::CliError;
use crate::plan::Report;
use crate::target::TargetStatus;

/// The text exposition format's content type, as node_exporter and the Pushgateway expect.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The metrics of one run.
pub fn render(
    report: &Report,
    last_success: &BTreeMap<String, SystemTime>,
    transport: &[(&'static str, TransportStats)],
) -> String {
    let mut out = String::new();

    family(
        &mut out,
        "backupctl_backup_last_success_timestamp_seconds",
        "gauge",
        "When the target last succeeded (Unix seconds), in this run or an earlier one recorded in the --state file.",
    );
    for t in &report.targets {
        if let Some(at) = last_success.get(&t.name) {
            let seconds = at
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            sample(
                &mut out,
                "backupctl_backup_last_success_timestamp_seconds",
                &[("vendor", &t.vendor), ("target", &t.name)],
                seconds,
            );
        }
    }

    family(
        &mut out,
        "backupctl_backup_duration_seconds",
        "gauge",
        "How long the target took, from start to its end (the earlier run's for a skipped target).",
    );
    for t in &report.targets {
        sample(
            &mut out,
            "backupctl_backup_duration_seconds",
            &[("vendor", &t.vendor), ("target", &t.name)],
            t.elapsed_ms as f64 / 1000.0,
        );
    }

    family(
        &mut out,
        "backupctl_backup_status",
        "gauge",
        "The target's status in this run: 1 for the current status, 0 for the others.",
    );
    for t in &report.targets {
        for status in TargetStatus::ALL {
            sample(
                &mut out,
                "backupctl_backup_status",
                &[
                    ("vendor", &t.vendor),
                    ("target", &t.name),
                    ("status", status.as_str()),
                ],
                if t.status == status { 1.0 } else { 0.0 },
            );
        }
    }

    family(
        &mut out,
        "backupctl_ambiguous_creates_total",
        "counter",
        "Creates whose outcome was unknown (an answer lost, or a run killed after starting it), each reconciled by listing.",
    );
    for t in &report.targets {
        let reconciliation = t
            .error
            .as_ref()
            .and_then(|e| e.reconciliation.as_ref())
            .or_else(|| t.result.get("reconciliation"));
        let count = reconciliation.and_then(Value::as_array).map_or(0, Vec::len);
        sample(
            &mut out,
            "backupctl_ambiguous_creates_total",
            &[("vendor", &t.vendor), ("target", &t.name)],
            count as f64,
        );
    }

    for (name, help, pick) in [
        (
            "backupctl_requests_total",
            "HTTP requests sent to the vendor, retries included.",
            (|s: &TransportStats| s.requests) as fn(&TransportStats) -> u64,
        ),
        (
            "backupctl_retries_total",
            "Requests sent again after a retryable failure.",
            |s: &TransportStats| s.retries,
        ),
        (
            "backupctl_throttles_total",
            "Answers the vendor throttled (HTTP 429 or its own rate-limit codes).",
            |s: &TransportStats| s.throttles,
        ),
    ] {
        family(&mut out, name, "counter", help);
        for (vendor, stats) in transport {
            sample(&mut out, name, &[("vendor", vendor)], pick(stats) as f64);
        }
    }
    out
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (label, value)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{label}=\"{}\"", escape_label_value(value));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// A label value as the format wants it: backslash, double quote and line feed escaped.
/// Target names come from the plan and may hold any of them.
pub fn escape_label_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// HELP text escapes backslash and line feed.
fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

/// Writes `text` to `path` atomically, so that node_exporter never reads half a file.
pub async fn write_file(path: &Path, text: String) -> Result<(), CliError> {
    let target = path.to_owned();
    tokio::task::spawn_blocking(move || crate::state::write_atomically(&target, text.as_bytes()))
        .await
        .map_err(|e| CliError::Failed(format!("cannot write metrics {}: {e}", path.display())))?
        .map_err(|e| CliError::Failed(format!("cannot write metrics {}: {e}", path.display())))
}

/// PUTs `text` to the Pushgateway at `url`, as job `backupctl` and, for a shard, grouped
/// by `shard` (`I_N`), replacing that group's earlier metrics. Plain `http://` is allowed
/// to any host here: the metrics carry no secret and no credential is sent.
pub async fn push(url: &str, shard: Option<&str>, text: String) -> Result<(), CliError> {
    use backup_core::{HttpRequest, Method, OperationInfo, ServiceClient};
    const PUSH: OperationInfo = OperationInfo::idempotent("pushgateway PUT");

    let client = ServiceClient::builder("pushgateway")
        .endpoint(url.trim_end_matches('/'))
        .allow_insecure_http(true)
        .build()
        .map_err(|e| CliError::Usage(format!("--pushgateway {url}: {e}")))?;
    let mut path = "/metrics/job/backupctl".to_owned();
    if let Some(shard) = shard {
        path.push_str("/shard/");
        path.push_str(&shard.replace('/', "_"));
    }
    let mut request = HttpRequest::new(Method::Put, path);
    request.set_header("content-type", CONTENT_TYPE);
    request.body = text.into_bytes();
    client
        .send(&PUSH, request)
        .await
        .map(|_| ())
        .map_err(|e| CliError::Failed(format!("cannot push metrics to {url}: {e}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::target::{ErrorReport, TargetReport};

    fn target(name: &str, vendor: &str, status: TargetStatus, elapsed_ms: u128) -> TargetReport {
        TargetReport {
            name: name.into(),
            kind: "ges-backup".into(),
            vendor: vendor.into(),
            status,
            elapsed_ms,
            result: Value::Null,
            error: None,
            skipped: None,
        }
    }

    fn stats(requests: u64, retries: u64, throttles: u64) -> TransportStats {
        let mut stats = TransportStats::default();
        stats.requests = requests;
        stats.retries = retries;
        stats.throttles = throttles;
        stats
    }

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    fn sample<'a>(
        scrape: &'a prometheus_parse::Scrape,
        metric: &str,
        labels: &[(&str, &str)],
    ) -> &'a prometheus_parse::Value {
        let found: Vec<_> = scrape
            .samples
            .iter()
            .filter(|s| {
                s.metric == metric
                    && s.labels.len() == labels.len()
                    && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v))
            })
            .collect();
        assert_eq!(found.len(), 1, "{metric} {labels:?}: {found:?}");
        &found[0].value
    }

    #[test]
    fn the_exposition_parses_with_types_help_labels_and_values() {
        let mut failed = target("ocp-nightly", "ocp", TargetStatus::Failed, 2500);
        failed.error = Some(ErrorReport {
            message: "ocp backupNow: the outcome is unknown".into(),
            code: None,
            request_id: None,
            http_status: None,
            ambiguous: true,
            reconciliation: Some(json!([{ "outcome": "unknown" }])),
        });
        let mut resumed = target("graph", "ges", TargetStatus::Succeeded, 1200);
        resumed.result = json!({ "reconciliation": [{ "outcome": "created" }, {}] });
        let report = Report::new(false, None, vec![resumed, failed]);
        let last_success = BTreeMap::from([
            ("graph".to_owned(), at(1_700_000_000)),
            ("ocp-nightly".to_owned(), at(1_699_900_000)),
        ]);
        let text = render(
            &report,
            &last_success,
            &[("ges", stats(7, 2, 1)), ("ocp", stats(3, 0, 0))],
        );
        let scrape =
            prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
        // The parser skips what it cannot read: every sample line must have been read.
        let sample_lines = text.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(scrape.samples.len(), sample_lines, "{text}");

        use prometheus_parse::Value::{Counter, Gauge};
        for (metric, gauge) in [
            ("backupctl_backup_last_success_timestamp_seconds", true),
            ("backupctl_backup_duration_seconds", true),
            ("backupctl_backup_status", true),
            ("backupctl_ambiguous_creates_total", false),
            ("backupctl_requests_total", false),
            ("backupctl_retries_total", false),
            ("backupctl_throttles_total", false),
        ] {
            assert!(
                scrape.docs.get(metric).is_some_and(|h| !h.is_empty()),
                "no HELP for {metric}"
            );
            let kind = if gauge { "gauge" } else { "counter" };
            assert!(
                text.contains(&format!("# TYPE {metric} {kind}\n")),
                "{metric}"
            );
            for s in scrape.samples.iter().filter(|s| s.metric == metric) {
                assert!(
                    matches!((&s.value, gauge), (Gauge(_), true) | (Counter(_), false)),
                    "{metric}: {:?}",
                    s.value
                );
            }
        }
        let graph = [("vendor", "ges"), ("target", "graph")];
        let ocp = [("vendor", "ocp"), ("target", "ocp-nightly")];
        assert_eq!(
            sample(
                &scrape,
                "backupctl_backup_last_success_timestamp_seconds",
                &graph
            ),
            &Gauge(1_700_000_000.0)
        );
        assert_eq!(
            sample(
                &scrape,
                "backupctl_backup_last_success_timestamp_seconds",
                &ocp
            ),
            &Gauge(1_699_900_000.0)
        );
        assert_eq!(
            sample(&scrape, "backupctl_backup_duration_seconds", &ocp),
            &Gauge(2.5)
        );
        for status in TargetStatus::ALL {
            let expected = if status == TargetStatus::Failed {
                1.0
            } else {
                0.0
            };
            let labels = [
                ("vendor", "ocp"),
                ("target", "ocp-nightly"),
                ("status", status.as_str()),
            ];
            assert_eq!(
                sample(&scrape, "backupctl_backup_status", &labels),
                &Gauge(expected),
                "{status:?}"
            );
        }
        assert_eq!(
            sample(&scrape, "backupctl_ambiguous_creates_total", &graph),
            &Counter(2.0)
        );
        assert_eq!(
            sample(&scrape, "backupctl_ambiguous_creates_total", &ocp),
            &Counter(1.0)
        );
        let ges = [("vendor", "ges")];
        assert_eq!(
            sample(&scrape, "backupctl_requests_total", &ges),
            &Counter(7.0)
        );
        assert_eq!(
            sample(&scrape, "backupctl_retries_total", &ges),
            &Counter(2.0)
        );
        assert_eq!(
            sample(&scrape, "backupctl_throttles_total", &ges),
            &Counter(1.0)
        );
        assert_eq!(
            sample(&scrape, "backupctl_requests_total", &[("vendor", "ocp")]),
            &Counter(3.0)
        );
    }

    /// Reads one sample line's label values as the text format defines them (the parser
    /// crate does not unescape): `name{a="v",...} value`.
    fn label_values(line: &str) -> Vec<(String, String)> {
        let mut chars = line.chars().skip_while(|c| *c != '{').skip(1).peekable();
        let mut labels = Vec::new();
        loop {
            let name: String = chars.by_ref().take_while(|c| *c != '=').collect();
            assert_eq!(chars.next(), Some('"'), "{line}");
            let mut value = String::new();
            loop {
                match chars.next() {
                    Some('\\') => match chars.next() {
                        Some('\\') => value.push('\\'),
                        Some('"') => value.push('"'),
                        Some('n') => value.push('\n'),
                        other => panic!("bad escape {other:?} in {line}"),
                    },
                    Some('"') => break,
                    Some('\n') | None => panic!("unterminated label value in {line}"),
                    Some(c) => value.push(c),
                }
            }
            labels.push((name, value));
            match chars.next() {
                Some(',') => {}
                Some('}') => return labels,
                other => panic!("unexpected {other:?} in {line}"),
            }
        }
    }

    #[test]
    fn label_values_are_escaped() {
        let hostile = "db \"prod\"\\eu\nnext, a=b}";
        let report = Report::new(
            false,
            None,
            vec![target(hostile, "ges", TargetStatus::Succeeded, 1)],
        );
        let text = render(&report, &BTreeMap::new(), &[]);
        let samples: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert!(!samples.is_empty());
        for line in samples {
            let labels = label_values(line);
            assert!(
                labels.contains(&("target".to_owned(), hostile.to_owned())),
                "{line}: {labels:?}"
            );
            let value = line.rsplit(' ').next().unwrap_or_default();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
