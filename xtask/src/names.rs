//! Identifier conversions for generated code.

/// Splits `s` into lower-case words at case changes, digits-to-letters and non-alphanumerics
/// (`getOBTaskList` → `get ob task list`, `project_id` → `project id`).
pub fn words(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut words = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                words.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// `snake_case`, without keyword escaping; prefixed with `_` when it would start with a digit.
pub fn snake(s: &str) -> String {
    let out = words(s).join("_");
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{out}")
    } else {
        out
    }
}

/// A field or method identifier: [`snake`], with keywords as raw identifiers.
pub fn field_ident(s: &str) -> String {
    let out = snake(s);
    if KEYWORDS.contains(&out.as_str()) {
        if matches!(out.as_str(), "self" | "super" | "crate") {
            format!("{out}_")
        } else {
            format!("r#{out}")
        }
    } else {
        out
    }
}

/// An identifier without the `r#` prefix, for composing (`set_type`).
pub fn bare(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// `PascalCase`; prefixed with `V` when it would start with a digit.
pub fn pascal(s: &str) -> String {
    let mut out = String::new();
    for w in words(s) {
        let mut cs = w.chars();
        if let Some(first) = cs.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(cs);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{out}")
    } else {
        out
    }
}

/// `SCREAMING_SNAKE_CASE`.
pub fn screaming(s: &str) -> String {
    snake(s).to_ascii_uppercase()
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(
            snake("createCloudCacheManualBackup"),
            "create_cloud_cache_manual_backup"
        );
        assert_eq!(snake("getOBTaskList"), "get_ob_task_list");
        assert_eq!(snake("project_id"), "project_id");
        assert_eq!(field_ident("type"), "r#type");
        assert_eq!(pascal("LOGICAL_BACKUP"), "LogicalBackup");
        assert_eq!(pascal("partiallyFailed"), "PartiallyFailed");
        assert_eq!(pascal("BACKUP_STORAGE_S3"), "BackupStorageS3");
        assert_eq!(pascal("3des"), "V3des");
        assert_eq!(screaming("backupNow"), "BACKUP_NOW");
    }
}
