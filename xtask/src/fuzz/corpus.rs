//! The targets and sample bodies of each protocol.
//!
//! Samples come from the crates' own test fixtures (`crates/ncp-*/tests/fixtures`, the
//! bodies the NCP operation tests answer with) and from `xtask/fuzz-corpus/<protocol>/`,
//! whose files are named `<operation>.<status>[-label].<ext>`: `any` for a body (an error)
//! that any operation of the protocol may receive. The timestamp corpus has one sample a
//! line, `<parser>.txt`.

use std::path::Path;

use backup_core::fuzzing::{self, Outcome};
use fastrand::Rng;

use super::{Protocol, Target};

/// One sample body, for the target at index `target` (`None`: any target).
pub struct Sample {
    pub target: Option<usize>,
    pub status: u16,
    pub body: Vec<u8>,
}

/// The targets, samples and header values of one protocol.
pub struct Suite {
    pub protocol: Protocol,
    pub targets: Vec<Target>,
    pub samples: Vec<Sample>,
    /// Header names and the values the protocol's servers send in them.
    pub header_values: Vec<(&'static str, Vec<String>)>,
}

type Decode = fn(&str, u16, &[(&str, &str)], &[u8]) -> Option<Outcome>;

/// Targets named `<service>/<operation>` for each operation of `operations`.
fn operation_targets(
    service: &'static str,
    operations: Vec<&'static str>,
    decode: Decode,
) -> Vec<Target> {
    operations
        .into_iter()
        .map(|operation| Target {
            name: format!("{service}/{operation}"),
            run: Box::new(move |status, headers, body| {
                decode(operation, status, headers, body).unwrap_or_else(|| {
                    panic!("harness bug: {service} has no operation {operation}")
                })
            }),
        })
        .collect()
}

fn text_target(name: &str, parse: fn(&str) -> Outcome) -> Target {
    Target {
        name: format!("timestamps/{name}"),
        run: Box::new(move |_, _, body| parse(&String::from_utf8_lossy(body))),
    }
}

/// `Retry-After` and `RateLimit-Reset`, read by the transport on every error response.
fn http_delay(text: &str) -> Outcome {
    let header = if text.len().is_multiple_of(2) {
        "retry-after"
    } else {
        "ratelimit-reset"
    };
    let value: String = text
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n' | '\0'))
        .collect();
    let response = fuzzing::response(429, &[(header, &value)], b"");
    Outcome::of_option(&fuzzing::retry_after(&response))
}

const REQUEST_IDS: &[&str] = &[
    "5962f337662d4043",
    "c8a1d7f6-0f3e-4f4c-8ad1-2b6c9e7d1a55",
    "",
];
const DELAYS: &[&str] = &[
    "7",
    "0",
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "18446744073709551616",
    "-1",
    "1.5",
];

impl Suite {
    /// The suite of `protocol`, with samples read under `root` (the workspace).
    pub fn load(root: &Path, protocol: Protocol) -> Result<Suite, String> {
        let mut header_values = vec![
            ("x-request-id", strings(REQUEST_IDS)),
            ("retry-after", strings(DELAYS)),
            (
                "ratelimit-reset",
                strings(&["1", "60", "99999999999999999999"]),
            ),
        ];
        let targets = match protocol {
            Protocol::NcpJson | Protocol::NcpXml => {
                let mut targets = operation_targets(
                    "vhadoop",
                    ncp_vhadoop::fuzzing::operations(),
                    ncp_vhadoop::fuzzing::decode,
                );
                targets.extend(operation_targets(
                    "vcache",
                    ncp_vcache::fuzzing::vcache::operations(),
                    ncp_vcache::fuzzing::vcache::decode,
                ));
                targets.extend(operation_targets(
                    "vredis",
                    ncp_vcache::fuzzing::vredis::operations(),
                    ncp_vcache::fuzzing::vredis::decode,
                ));
                targets
            }
            Protocol::Ocp => operation_targets(
                "ocp",
                ocp_ob_backup::fuzzing::operations(),
                ocp_ob_backup::fuzzing::decode,
            ),
            Protocol::Ges => operation_targets(
                "ges",
                hw_ges_backup::fuzzing::operations(),
                hw_ges_backup::fuzzing::decode,
            ),
            Protocol::Iam => {
                header_values.push((
                    "x-subject-token",
                    strings(&[
                        "MIIEhQYJKoZIhvcNAQcCoIIEdjCCBHICAQExDTALBglghkgBZQMEAgEw",
                        " ",
                        "",
                    ]),
                ));
                vec![Target {
                    name: "iam/token".to_owned(),
                    run: Box::new(|status, headers, body| {
                        hw_ges_backup::fuzzing::iam_token(status, headers, body)
                    }),
                }]
            }
            Protocol::Timestamps => vec![
                text_target("ncp", fuzzing::ncp_timestamp),
                text_target("ocp", ocp_ob_backup::fuzzing::timestamp),
                text_target("iam", hw_ges_backup::fuzzing::iam_timestamp),
                text_target("http", http_delay),
            ],
        };
        let mut suite = Suite {
            protocol,
            targets,
            samples: Vec::new(),
            header_values,
        };
        let corpus = root.join("xtask/fuzz-corpus");
        match protocol {
            Protocol::NcpJson | Protocol::NcpXml => {
                let ext = if protocol == Protocol::NcpJson {
                    "json"
                } else {
                    "xml"
                };
                for (dir, service) in [
                    ("crates/ncp-vhadoop/tests/fixtures", Some("vhadoop")),
                    ("crates/ncp-vcache/tests/fixtures", None),
                ] {
                    for (stem, body) in files(&root.join(dir), ext)? {
                        // `vcache_getCloudCacheBackupList` or, for vhadoop, the bare name.
                        let name = match service {
                            Some(service) => format!("{service}/{stem}"),
                            None => stem.replacen('_', "/", 1),
                        };
                        let target = suite.target_index(&name)?;
                        suite.samples.push(Sample {
                            target: Some(target),
                            status: 200,
                            body,
                        });
                    }
                }
                suite.add_named(&corpus.join("ncp"), ext, |op| op.to_owned())?;
            }
            Protocol::Ocp => {
                suite.add_named(&corpus.join("ocp"), "json", |op| format!("ocp/{op}"))?
            }
            Protocol::Ges => {
                suite.add_named(&corpus.join("ges"), "json", |op| format!("ges/{op}"))?
            }
            Protocol::Iam => {
                suite.add_named(&corpus.join("iam"), "json", |op| format!("iam/{op}"))?
            }
            Protocol::Timestamps => {
                for (stem, body) in files(&corpus.join("timestamps"), "txt")? {
                    let target = suite.target_index(&format!("timestamps/{stem}"))?;
                    let text = String::from_utf8_lossy(&body).into_owned();
                    for line in text.lines().filter(|l| !l.is_empty()) {
                        suite.samples.push(Sample {
                            target: Some(target),
                            status: 200,
                            body: line.as_bytes().to_vec(),
                        });
                    }
                }
            }
        }
        if suite.samples.is_empty() {
            return Err(format!("no samples for {}", protocol.name()));
        }
        Ok(suite)
    }

    fn target_index(&self, name: &str) -> Result<usize, String> {
        self.targets
            .iter()
            .position(|t| t.name == name)
            .ok_or_else(|| format!("a sample names {name:?}, which is no fuzz target"))
    }

    /// Adds `dir`'s `<operation>.<status>[-label].<ext>` files.
    fn add_named(
        &mut self,
        dir: &Path,
        ext: &str,
        target_name: impl Fn(&str) -> String,
    ) -> Result<(), String> {
        for (stem, body) in files(dir, ext)? {
            let mut parts = stem.splitn(2, '.');
            let operation = parts.next().unwrap_or_default();
            let status: u16 = parts
                .next()
                .and_then(|s| s.split('-').next())
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| {
                    format!(
                        "{}: name it <operation>.<status>[-label].{ext}",
                        dir.join(&stem).display()
                    )
                })?;
            let target = if operation == "any" {
                None
            } else {
                Some(self.target_index(&target_name(operation))?)
            };
            self.samples.push(Sample {
                target,
                status,
                body,
            });
        }
        Ok(())
    }

    /// Headers for one input: each known header present or not, its value sometimes
    /// mutated (as the transport hands them over: lossy UTF-8, no CR, LF or NUL).
    pub fn headers(&self, rng: &mut Rng) -> Vec<(&'static str, String)> {
        let mut headers = Vec::new();
        for (name, values) in &self.header_values {
            if rng.bool() {
                continue;
            }
            let mut value = values[rng.usize(..values.len())].clone();
            if rng.u8(..4) == 0 {
                let mutated = super::mutate::mutate(rng, value.as_bytes(), b"");
                value = String::from_utf8_lossy(&mutated[..mutated.len().min(8192)])
                    .chars()
                    .filter(|c| !matches!(c, '\r' | '\n' | '\0'))
                    .collect();
            }
            headers.push((*name, value));
        }
        headers
    }
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

/// The files of `dir` ending in `.ext`, sorted by name: (stem, contents).
fn files(dir: &Path, ext: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(stem) = name.strip_suffix(&format!(".{ext}")) else {
            continue;
        };
        let body = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        out.push((stem.to_owned(), body));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}
