//! What the credential chains read: environment variables and the home directory, taken
//! from the process ([`ProcessEnvironment`]) or from values the caller chose
//! ([`StaticEnvironment`]); and the bookkeeping the chains share.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zeroize::Zeroizing;

use super::SecretString;
use crate::{CredentialsError, Error};

/// Where a credential chain reads environment variables and the home directory from.
///
/// The default chains use [`ProcessEnvironment`]. Give a chain a [`StaticEnvironment`] (or
/// an implementation of your own) through its `with_environment` constructor to resolve
/// credentials from values you choose, without touching the process environment.
pub trait Environment: Send + Sync + fmt::Debug {
    /// The value of the variable `name`, or `None` when it is not set.
    ///
    /// An empty value is returned as `Some("")`; the chains treat it as absent.
    fn var(&self, name: &str) -> Option<String>;

    /// The current user's home directory, under which `.ncloud/configure` and
    /// `.huaweicloud/credentials` are looked for; `None` when it is unknown.
    fn home_dir(&self) -> Option<PathBuf>;
}

impl<E: Environment + ?Sized> Environment for Arc<E> {
    fn var(&self, name: &str) -> Option<String> {
        (**self).var(name)
    }

    fn home_dir(&self) -> Option<PathBuf> {
        (**self).home_dir()
    }
}

impl<E: Environment + ?Sized> Environment for Box<E> {
    fn var(&self, name: &str) -> Option<String> {
        (**self).var(name)
    }

    fn home_dir(&self) -> Option<PathBuf> {
        (**self).home_dir()
    }
}

/// The environment of this process: [`std::env::var`], and the home directory from `HOME`
/// (on Windows `USERPROFILE`, then `HOME`), as the official SDKs find it.
///
/// A variable whose value is not valid Unicode reads as unset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProcessEnvironment;

impl Environment for ProcessEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn home_dir(&self) -> Option<PathBuf> {
        let dir = |name: &str| {
            std::env::var_os(name)
                .filter(|value| !value.is_empty())
                .map(PathBuf::from)
        };
        if cfg!(windows) {
            dir("USERPROFILE").or_else(|| dir("HOME"))
        } else {
            dir("HOME")
        }
    }
}

/// An environment held in memory, for tests and for callers who want to pass credentials
/// by name without setting process variables.
///
/// Values are kept as [`SecretString`]s: `Debug` shows the variable names only, and the
/// values are zeroed when the environment is dropped. Without [`with_home`](Self::with_home)
/// there is no home directory, so no credentials file is read.
///
/// ```
/// use backup_core::credentials::{Environment, StaticEnvironment};
///
/// let env = StaticEnvironment::new()
///     .with_var("NCLOUD_ACCESS_KEY_ID", "AKEXAMPLE")
///     .with_home("/tmp/nobody");
/// assert_eq!(env.var("NCLOUD_ACCESS_KEY_ID").as_deref(), Some("AKEXAMPLE"));
/// assert_eq!(env.var("NCLOUD_SECRET_KEY"), None);
/// ```
#[derive(Clone, Default)]
pub struct StaticEnvironment {
    vars: BTreeMap<String, SecretString>,
    home: Option<PathBuf>,
}

impl StaticEnvironment {
    /// An empty environment: no variables, no home directory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the variable `name` to `value` (replacing an earlier value).
    pub fn with_var(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.vars
            .insert(name.into(), SecretString::new(value.into()));
        self
    }

    /// Sets the home directory.
    pub fn with_home(mut self, home: impl Into<PathBuf>) -> Self {
        self.home = Some(home.into());
        self
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for StaticEnvironment {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        iter.into_iter()
            .fold(Self::new(), |env, (name, value)| env.with_var(name, value))
    }
}

impl fmt::Debug for StaticEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticEnvironment")
            .field("vars", &self.vars)
            .field("home", &self.home)
            .finish()
    }
}

impl Environment for StaticEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        self.vars
            .get(name)
            .map(|value| value.expose_secret().to_owned())
    }

    fn home_dir(&self) -> Option<PathBuf> {
        self.home.clone()
    }
}

/// What a chain looked at and what it noticed, for the error it returns when it finds
/// nothing.
#[derive(Debug, Default)]
pub(super) struct Search {
    looked_in: Vec<String>,
    notes: Vec<String>,
}

impl Search {
    /// Records a place that was consulted.
    pub(super) fn looked(&mut self, place: impl Into<String>) {
        self.looked_in.push(place.into());
    }

    /// Records a problem found on the way. Never pass a secret.
    pub(super) fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// The error naming every place and every problem.
    pub(super) fn into_error(self, vendor: &'static str) -> Error {
        let mut error = CredentialsError::new(vendor, self.looked_in);
        if !self.notes.is_empty() {
            error = error.with_detail(self.notes.join("; "));
        }
        Error::MissingCredentials(error)
    }
}

/// The value of `name` if it is set and not empty; an empty value is noted.
pub(super) fn non_empty_var(
    env: &dyn Environment,
    name: &str,
    search: &mut Search,
) -> Option<String> {
    match env.var(name) {
        Some(value) if value.is_empty() => {
            search.note(format!("{name} is set but empty"));
            None
        }
        other => other,
    }
}

/// The first of `names` that is set and not empty, with its name.
pub(super) fn first_var(
    env: &dyn Environment,
    names: &[&'static str],
    search: &mut Search,
) -> Option<(&'static str, String)> {
    names
        .iter()
        .find_map(|name| non_empty_var(env, name, search).map(|value| (*name, value)))
}

/// The outcome of reading a credentials file.
pub(super) enum FileRead {
    /// There is no such file.
    NotFound,
    /// It exists but could not be read; the reason holds no file content.
    Unreadable(String),
    /// It was read but is not UTF-8 text.
    NotText,
    /// Its text, zeroed when dropped.
    Text(Zeroizing<String>),
}

/// Reads a credentials file without blocking the runtime.
pub(super) async fn read_text_file(path: &Path) -> FileRead {
    match tokio::fs::read(path).await {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(mut text) => {
                if text.starts_with('\u{feff}') {
                    text.remove(0);
                }
                FileRead::Text(Zeroizing::new(text))
            }
            Err(e) => {
                drop(Zeroizing::new(e.into_bytes()));
                FileRead::NotText
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileRead::NotFound,
        Err(e) => FileRead::Unreadable(e.to_string()),
    }
}

/// How a file appears in `looked_in`: `file <path>[ [section]][ (remarks)]`.
pub(super) fn file_place(path: &Path, section: Option<&str>, remarks: &[&str]) -> String {
    let mut place = format!("file {}", path.display());
    if let Some(section) = section {
        place.push_str(&format!(" [{section}]"));
    }
    if !remarks.is_empty() {
        place.push_str(&format!(" ({})", remarks.join(", ")));
    }
    place
}

#[cfg(test)]
#[allow(clippy::expect_used)]
pub(crate) mod test_support {
    //! Temporary home directories for tests: unique, removed on drop.

    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU64, Ordering};

    static COUNTER: AtomicU64 = AtomicU64::new(0);

    /// A unique directory under the system temp dir, removed when dropped.
    pub(crate) struct TempHome(PathBuf);

    impl TempHome {
        pub(crate) fn new(tag: &str) -> Self {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            let dir = std::env::temp_dir().join(format!(
                "backup-core-credentials-{tag}-{}-{nanos}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).expect("create temp home");
            Self(dir)
        }

        pub(crate) fn path(&self) -> &Path {
            &self.0
        }

        /// Writes `contents` at `relative` (creating parent directories); returns the path.
        pub(crate) fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
            let path = self.0.join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("create parent");
            }
            std::fs::write(&path, contents).expect("write file");
            path
        }
    }

    impl Drop for TempHome {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::test_support::TempHome;
    use super::*;

    #[test]
    fn static_environment_returns_what_was_set() {
        let env = StaticEnvironment::new()
            .with_var("A", "1")
            .with_var("A", "2")
            .with_var("EMPTY", "")
            .with_home("/tmp/h");
        assert_eq!(env.var("A").as_deref(), Some("2"));
        assert_eq!(env.var("EMPTY").as_deref(), Some(""));
        assert_eq!(env.var("B"), None);
        assert_eq!(env.home_dir(), Some(PathBuf::from("/tmp/h")));
        assert_eq!(StaticEnvironment::new().home_dir(), None);
    }

    #[test]
    fn static_environment_from_iterator_and_through_arc() {
        let env: StaticEnvironment = [("X", "y")].into_iter().collect();
        let shared: Arc<dyn Environment> = Arc::new(env);
        assert_eq!(shared.var("X").as_deref(), Some("y"));
        let boxed: Box<dyn Environment> = Box::new(shared);
        assert_eq!(boxed.var("X").as_deref(), Some("y"));
    }

    #[test]
    fn static_environment_debug_hides_values() {
        let env = StaticEnvironment::new().with_var("NCLOUD_SECRET_KEY", "very-secret-value");
        let shown = format!("{env:?}");
        assert!(shown.contains("NCLOUD_SECRET_KEY"), "{shown}");
        assert!(!shown.contains("very-secret-value"), "{shown}");
    }

    #[test]
    fn process_environment_reads_without_mutating() {
        // PATH is set in every test environment we run in; reading it must not panic.
        let env = ProcessEnvironment;
        let _ = env.var("PATH");
        let _ = env.home_dir();
        assert_eq!(env.var("BACKUP_CORE_SURELY_UNSET_VARIABLE_4242"), None);
    }

    #[test]
    fn empty_variables_are_absent_and_noted() {
        let env = StaticEnvironment::new()
            .with_var("A", "")
            .with_var("B", "b");
        let mut search = Search::default();
        assert_eq!(
            first_var(&env, &["A", "B"], &mut search),
            Some(("B", "b".to_owned()))
        );
        assert_eq!(search.notes, vec!["A is set but empty".to_owned()]);
    }

    #[test]
    fn file_place_formats() {
        let p = Path::new("/h/.ncloud/configure");
        assert_eq!(file_place(p, None, &[]), "file /h/.ncloud/configure");
        assert_eq!(
            file_place(p, Some("basic"), &["from X", "not found"]),
            "file /h/.ncloud/configure [basic] (from X, not found)"
        );
    }

    #[tokio::test]
    async fn read_text_file_outcomes() {
        let home = TempHome::new("read");
        assert!(matches!(
            read_text_file(&home.path().join("missing")).await,
            FileRead::NotFound
        ));
        assert!(matches!(
            read_text_file(home.path()).await,
            FileRead::Unreadable(_)
        ));
        let bad = home.write("bad", [0xff, 0xfe, 0x00]);
        assert!(matches!(read_text_file(&bad).await, FileRead::NotText));
        let bom = home.write("bom", "\u{feff}a = b\n");
        match read_text_file(&bom).await {
            FileRead::Text(text) => assert_eq!(text.as_str(), "a = b\n"),
            _ => panic!("expected text"),
        }
    }
}
