//! Progress while waiting: bars on a terminal, plain lines otherwise, both on standard error
//! so that standard output holds only results.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use backup_core::Progress;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::LogFormat;

/// `NO_COLOR` set to anything but the empty string (<https://no-color.org>): no colour,
/// and no animation either.
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Where progress goes.
#[derive(Debug, Clone)]
pub enum Board {
    /// One bar per target, redrawn in place.
    Bars(MultiProgress),
    /// One line per change of state.
    Lines,
    /// One `tracing` event per change of state (`--log-format json`).
    Events,
    /// Nothing (a command that does not wait).
    Quiet,
}

impl Board {
    /// Bars when standard error is a terminal and `NO_COLOR` is unset or empty, lines
    /// otherwise; log events with `--log-format json`, so that standard error stays one
    /// JSON object per line.
    pub fn for_stderr(format: LogFormat) -> Self {
        if format == LogFormat::Json {
            Board::Events
        } else if std::io::stderr().is_terminal() && !no_color() {
            Board::Bars(MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
        } else {
            Board::Lines
        }
    }

    /// A progress reporter for one target.
    pub fn target(&self, name: &str) -> TargetProgress {
        let bar = match self {
            Board::Bars(multi) => {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {prefix:.bold} {wide_msg} {elapsed}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_prefix(name.to_owned());
                bar.enable_steady_tick(Duration::from_millis(120));
                Some(bar)
            }
            Board::Lines | Board::Events | Board::Quiet => None,
        };
        TargetProgress {
            name: name.to_owned(),
            quiet: matches!(self, Board::Quiet),
            events: matches!(self, Board::Events),
            bar,
            last_line: Mutex::new(String::new()),
        }
    }
}

/// Reports one target's progress.
#[derive(Debug)]
pub struct TargetProgress {
    name: String,
    quiet: bool,
    events: bool,
    bar: Option<ProgressBar>,
    last_line: Mutex<String>,
}

impl TargetProgress {
    /// A poll's result.
    pub fn update(&self, progress: &Progress) {
        let text = progress_text(progress);
        match &self.bar {
            Some(bar) => {
                if let (Some(done), Some(total)) = (progress.completed, progress.total) {
                    if bar.length() != Some(total) {
                        bar.set_style(
                            ProgressStyle::with_template(
                                "{spinner} {prefix:.bold} [{bar:20}] {wide_msg} {elapsed}",
                            )
                            .unwrap_or_else(|_| ProgressStyle::default_bar())
                            .progress_chars("=> "),
                        );
                        bar.set_length(total);
                    }
                    bar.set_position(done);
                }
                bar.set_message(text);
            }
            None => self.line(
                &format!("{text} after {:.1}s", progress.elapsed.as_secs_f64()),
                &text,
            ),
        }
    }

    /// A step worth telling (a request accepted, a job id).
    pub fn note(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(text.to_owned()),
            None => self.line(text, text),
        }
    }

    /// The end.
    pub fn finish(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.finish_with_message(text.to_owned()),
            None => self.line(text, text),
        }
    }

    /// Prints `line` unless the state (`key`) is the one printed last.
    fn line(&self, line: &str, key: &str) {
        if self.quiet {
            return;
        }
        let mut last = self.last_line.lock().unwrap_or_else(|p| p.into_inner());
        if *last != key {
            if self.events {
                tracing::info!(target: "backupctl::progress", plan_target = %self.name, "{line}");
            } else {
                eprintln!("[{}] {line}", self.name);
            }
            *last = key.to_owned();
        }
    }
}

/// What a poll's result shows: the state, `done/total`, and the message, on one line with
/// the server's control characters escaped (the state and message are the server's text).
fn progress_text(progress: &Progress) -> String {
    let mut text = progress.state.clone();
    if let (Some(done), Some(total)) = (progress.completed, progress.total) {
        text.push_str(&format!(" {done}/{total}"));
    }
    if let Some(message) = progress.message.as_deref().filter(|m| !m.is_empty()) {
        text.push_str(": ");
        text.push_str(message);
    }
    backup_core::redact::escape(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_state_and_message_are_shown_on_one_line_without_control_sequences() {
        let mut progress = Progress::new("RUNNING\u{1b}[2J");
        progress.message = Some("step\n2 \u{1b}]0;owned\u{7} \u{9b}31m".into());
        let text = progress_text(&progress);
        assert_eq!(
            text,
            "RUNNING\\u{1b}[2J: step 2 \\u{1b}]0;owned\\u{7} \\u{9b}31m"
        );
    }
}
