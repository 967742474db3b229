//! Printing results: aligned tables for people, JSON for programs, secrets redacted in both.

use serde::Serialize;
use serde_json::Value;

use crate::cli::OutputFormat;
use crate::error::CliError;

/// The version of every JSON document the CLI prints or writes (`schema_version`), as
/// described by the JSON Schemas in `docs/schema/`. Raised when a member is removed or
/// changes meaning; new members do not raise it.
pub const SCHEMA_VERSION: u32 = 1;

/// What a command produced: a JSON document, and the rows a table shows of it.
#[derive(Debug)]
pub struct Rendered {
    pub json: Value,
    pub table: Table,
}

impl Rendered {
    /// A result shown as a table of `rows`, each column picked by a JSON pointer.
    pub fn rows(json: Value, rows: &[Value], columns: &[(&str, &str)]) -> Self {
        Self {
            table: Table::pick(rows, columns),
            json,
        }
    }

    /// A single object shown as `field  value` lines, each picked by a JSON pointer.
    pub fn record(json: Value, fields: &[(&str, &str)]) -> Self {
        let mut table = Table::new(&["field", "value"]);
        for (label, pointer) in fields {
            if let Some(value) = json.pointer(pointer).filter(|v| !v.is_null()) {
                table.push(vec![(*label).to_owned(), cell(value)]);
            }
        }
        Self { json, table }
    }

    /// An object shown as one line per member; nested values compact.
    pub fn flat(json: Value) -> Self {
        let mut table = Table::new(&["field", "value"]);
        if let Value::Object(map) = &json {
            for (name, value) in map {
                if !value.is_null() {
                    let mut value = value.clone();
                    redact(&mut value);
                    table.push(vec![name.clone(), cell(&value)]);
                }
            }
        }
        Self { json, table }
    }

    /// The first list in an object, with a column for each scalar member of its first row.
    pub fn auto(json: Value) -> Self {
        let rows: Vec<Value> = json
            .as_object()
            .and_then(|map| map.values().find_map(Value::as_array))
            .cloned()
            .unwrap_or_default();
        let columns: Vec<(String, String)> = rows
            .first()
            .and_then(Value::as_object)
            .map(|row| {
                row.iter()
                    .filter(|(_, v)| !v.is_array())
                    .take(8)
                    .map(|(name, _)| (name.clone(), format!("/{name}")))
                    .collect()
            })
            .unwrap_or_default();
        let columns: Vec<(&str, &str)> = columns
            .iter()
            .map(|(h, p)| (h.as_str(), p.as_str()))
            .collect();
        Self::rows(json.clone(), &rows, &columns)
    }

    pub fn print(mut self, format: OutputFormat) -> Result<(), CliError> {
        match format {
            OutputFormat::Json => {
                // A listing is an array, which cannot carry a version: it goes under `items`.
                if let Value::Array(items) = &mut self.json {
                    let items = std::mem::take(items);
                    self.json = serde_json::json!({ "items": items });
                }
                if let Value::Object(document) = &mut self.json {
                    document.insert("schema_version".into(), Value::from(SCHEMA_VERSION));
                }
                redact(&mut self.json);
                let text = serde_json::to_string_pretty(&self.json)
                    .map_err(|e| CliError::Failed(format!("cannot print JSON: {e}")))?;
                println!("{}", json_for_terminal(text));
            }
            OutputFormat::Table => print!("{}", self.table.render()),
        }
        Ok(())
    }
}

/// `json` with every character a terminal could act on written as a `\uXXXX` escape.
/// serde_json already escapes C0 controls inside strings; DEL, C1 controls (CSI, OSC) and
/// bidirectional overrides can only occur inside strings, where the escape reads back as
/// the same value.
fn json_for_terminal(json: String) -> String {
    // Raw C0 characters in serde_json's output are its own line breaks and indentation.
    let needs_escape = |c: char| c >= '\u{7f}' && backup_core::redact::is_unsafe_char(c);
    if !json.chars().any(needs_escape) {
        return json;
    }
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if needs_escape(c) {
            // Every unsafe character is in the Basic Multilingual Plane: one \u escape.
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Serializes an SDK output for printing.
pub fn to_json(value: &impl Serialize) -> Value {
    let mut json = serde_json::to_value(value).unwrap_or(Value::Null);
    redact(&mut json);
    json
}

/// Member names whose values are never printed: storage keys in OCP strategies, passwords,
/// tokens. The SDK already scrubs what it knows of; this catches what a vendor adds.
fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "secret",
        "password",
        "token",
        "authorization",
        "credential",
        "privatekey",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// Replaces every secret-looking member's value with `"[redacted]"`, at any depth.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (name, member) in map.iter_mut() {
                if is_secret_name(name) && !member.is_null() {
                    *member = Value::String("[redacted]".into());
                } else {
                    redact(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// A table of text cells, rendered with aligned columns.
#[derive(Debug, Clone, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Self {
        Self {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    fn pick(rows: &[Value], columns: &[(&str, &str)]) -> Self {
        let mut table = Table::new(&columns.iter().map(|(h, _)| *h).collect::<Vec<_>>());
        for row in rows {
            table.push(
                columns
                    .iter()
                    .map(|(_, pointer)| row.pointer(pointer).map(cell).unwrap_or_default())
                    .collect(),
            );
        }
        table
    }

    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    pub fn render(&self) -> String {
        if self.rows.is_empty() {
            return "(none)\n".to_owned();
        }
        // Cells hold server text: one line each, and nothing a terminal would act on.
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| row.iter().map(|c| backup_core::redact::escape(c)).collect())
            .collect();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (i, text) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(text.chars().count());
                }
            }
        }
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String| {
            let mut text = String::new();
            for (i, c) in cells.iter().enumerate() {
                if i > 0 {
                    text.push_str("  ");
                }
                let width = widths.get(i).copied().unwrap_or(0);
                text.push_str(&format!("{c:<width$}"));
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        let headers: Vec<String> = self.headers.iter().map(|h| h.to_uppercase()).collect();
        line(&headers, &mut out);
        for row in &rows {
            line(row, &mut out);
        }
        out
    }
}

/// A JSON value as one table cell: strings bare, NCP `{code, codeName}` as the name,
/// other objects and arrays compact.
fn cell(value: &Value) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Object(map) => match (map.get("codeName"), map.get("code")) {
            (Some(Value::String(name)), _) => name.clone(),
            (_, Some(Value::String(code))) => code.clone(),
            _ => value.to_string(),
        },
        other => other.to_string(),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_redacted_at_any_depth() {
        let mut value = json!({
            "obBackupServiceStorageConfig": {
                "storageUrl": "s3://bucket/path",
                "s3AccessKey": {"accessKeyId": "AKID", "accessKeySecret": "sk-value"},
                "list": [{"password": "pw"}, {"X-Auth-Token": "tok"}]
            },
            "name": "keep"
        });
        redact(&mut value);
        let text = value.to_string();
        for secret in ["sk-value", "\"pw\"", "tok\""] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        assert!(
            text.contains("AKID") && text.contains("keep") && text.contains("s3://bucket/path")
        );
        assert_eq!(text.matches("[redacted]").count(), 3, "{text}");
    }

    #[test]
    fn tables_align_columns_and_flatten_ncp_codes() {
        let rows = vec![
            json!({"no": "1000001", "status": {"code": "RUN", "codeName": "Running"}}),
            json!({"no": "2", "status": null}),
        ];
        let rendered = Rendered::rows(
            Value::Null,
            &rows,
            &[("instance", "/no"), ("status", "/status")],
        );
        assert_eq!(
            rendered.table.render(),
            "INSTANCE  STATUS\n1000001   Running\n2\n"
        );
        assert_eq!(Table::new(&["a"]).render(), "(none)\n");
    }

    #[test]
    fn server_text_reaches_the_terminal_without_control_sequences() -> serde_json::Result<()> {
        let hostile = "name\u{1b}]0;pwned\u{7}\u{9b}2J\u{202e}gpj.exe\u{7f}\nsecond line";
        let mut table = Table::new(&["name"]);
        table.push(vec![hostile.to_owned()]);
        let shown = table.render();
        assert_eq!(shown.lines().count(), 2, "{shown}");
        assert!(
            !shown
                .chars()
                .any(|c| c != '\n' && backup_core::redact::is_unsafe_char(c)),
            "{shown:?}"
        );

        let value = json!({ "backups": [{ "name": hostile }] });
        let text = json_for_terminal(serde_json::to_string_pretty(&value)?);
        assert!(
            !text
                .chars()
                .any(|c| c != '\n' && backup_core::redact::is_unsafe_char(c)),
            "{text:?}"
        );
        let read_back: Value = serde_json::from_str(&text)?;
        assert_eq!(read_back, value);
        Ok(())
    }

    #[test]
    fn a_record_lists_only_present_fields() {
        let rendered = Rendered::record(
            json!({"requestId": "r-1", "returnCode": "0", "missing": null}),
            &[
                ("request id", "/requestId"),
                ("missing", "/missing"),
                ("code", "/returnCode"),
            ],
        );
        assert_eq!(
            rendered.table.render(),
            "FIELD       VALUE\nrequest id  r-1\ncode        0\n"
        );
    }
}
