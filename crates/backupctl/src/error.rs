//! How a failed command is reported: one line on standard error, and the exit status.
//!
//! Exit status 2 means the command could not be attempted as given (bad arguments, a bad
//! plan file, input the SDK rejected before sending, a client that cannot be configured,
//! no usable credentials: nothing was sent in any of these cases);
//! 1 means it was attempted and failed (the vendor said no, the network failed, a backup
//! failed or did not finish in time, or a plan had a failed target). Once a command has
//! sent anything, its errors exit 1 whatever their class ([`CliError::after_send`]): a
//! waiter refusing a job id the server returned is not a usage error, the create was sent.

use std::fmt;
use std::process::ExitCode;

/// A failed command.
#[derive(Debug)]
pub enum CliError {
    /// The command cannot be run as given.
    Usage(String),
    /// An SDK call failed; `context` names the vendor and operation for errors whose own
    /// text does not. `after_send`: an earlier request of the same command was sent, so
    /// the command was attempted even if this call refused its input.
    Sdk {
        context: String,
        error: backup_core::Error,
        after_send: bool,
    },
    /// Something else failed at run time (a report that cannot be written, say).
    Failed(String),
    /// A create's outcome was ambiguous, and reconciling did not find its backup: the
    /// verdicts (`NotCreated`, `Unknown`) and their evidence.
    Reconciled(Box<Unreconciled>),
}

/// An ambiguous create whose backup reconciling did not find.
#[derive(Debug)]
pub struct Unreconciled {
    pub context: String,
    /// The create's last error; `None` when the doubt came from the `--state` file (an
    /// earlier run recorded the create as started and never recorded its end).
    pub error: Option<backup_core::Error>,
    /// Every verdict, in order (two when the create was retried).
    pub reconciled: Vec<backup_core::reconcile::Reconciliation>,
    pub retry_ambiguous: bool,
}

impl CliError {
    pub fn sdk(context: impl Into<String>, error: backup_core::Error) -> Self {
        CliError::Sdk {
            context: context.into(),
            error,
            after_send: false,
        }
    }

    /// An SDK call that failed after the command had already sent a request (its create,
    /// or the read it builds on).
    pub fn sdk_after_send(context: impl Into<String>, error: backup_core::Error) -> Self {
        CliError::sdk(context, error).after_send()
    }

    /// This error, from a command that has already sent something: it can no longer exit
    /// 2 ("nothing was sent").
    pub fn after_send(self) -> Self {
        match self {
            CliError::Sdk { context, error, .. } => CliError::Sdk {
                context,
                error,
                after_send: true,
            },
            CliError::Usage(message) => CliError::Failed(message),
            failed @ (CliError::Failed(_) | CliError::Reconciled(_)) => failed,
        }
    }

    pub fn reconciled(
        context: impl Into<String>,
        error: backup_core::Error,
        reconciled: Vec<backup_core::reconcile::Reconciliation>,
        retry_ambiguous: bool,
    ) -> Self {
        CliError::Reconciled(Box::new(Unreconciled {
            context: context.into(),
            error: Some(error),
            reconciled,
            retry_ambiguous,
        }))
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Usage(_) => ExitCode::from(2),
            CliError::Sdk {
                error,
                after_send: false,
                ..
            } if is_usage_error(error) => ExitCode::from(2),
            // Something was sent, so never 2, whatever the later error.
            CliError::Sdk { .. } | CliError::Failed(_) | CliError::Reconciled(_) => {
                ExitCode::from(1)
            }
        }
    }
}

/// Input the SDK refused before sending anything, a client it cannot configure, or no
/// usable credentials to sign with.
pub fn is_usage_error(error: &backup_core::Error) -> bool {
    matches!(
        error,
        backup_core::Error::InvalidInput(_)
            | backup_core::Error::Config(_)
            | backup_core::Error::MissingCredentials(_)
            | backup_core::Error::InvalidCredentials(_)
    )
}

/// One line naming the vendor, the operation, the vendor's code and message and the request
/// id (the SDK's own `Display` already carries those, escaped, and never a secret).
pub fn describe_sdk_error(context: &str, error: &backup_core::Error) -> String {
    let text = error.to_string();
    // Service, dispatch, response, ambiguous-outcome and pagination errors start with the
    // vendor and operation; the others (bad input, missing credentials, waits) need the
    // context.
    let named = matches!(
        error,
        backup_core::Error::Service(_)
            | backup_core::Error::Dispatch(_)
            | backup_core::Error::UnparseableResponse(_)
            | backup_core::Error::AmbiguousOutcome(_)
            | backup_core::Error::Pagination(_)
    );
    let line = if named {
        text
    } else {
        format!("{context}: {text}")
    };
    one_line(&line)
}

/// `text` on one line, with every control character (ESC, CSI, OSC, bidi overrides) a
/// server may have put in it escaped.
fn one_line(text: &str) -> String {
    backup_core::redact::escape(text)
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(message) | CliError::Failed(message) => {
                write!(f, "{}", one_line(message))
            }
            CliError::Sdk { context, error, .. } => {
                write!(f, "{}", describe_sdk_error(context, error))
            }
            CliError::Reconciled(failure) => write!(
                f,
                "{}; {}",
                match &failure.error {
                    Some(error) => describe_sdk_error(&failure.context, error),
                    None => format!(
                        "{}: an earlier run (--state) may have sent this create",
                        failure.context
                    ),
                },
                one_line(&crate::reconcile::advice(
                    &failure.reconciled,
                    failure.retry_ambiguous
                ))
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backup_core::{Retryability, ServiceError, ServiceErrorKind};

    #[test]
    fn a_service_error_is_one_line_with_code_message_and_request_id() {
        let mut service =
            ServiceError::new(403, ServiceErrorKind::Authentication, Retryability::No)
                .with_code("APIGW.0301")
                .with_message("Invalid\nsignature")
                .with_request_id(Some("req-7".into()));
        service.vendor = "ges";
        service.operation = "createBackup";
        let error = backup_core::Error::Service(Box::new(service));
        let cli = CliError::sdk("ges createBackup", error);
        let line = cli.to_string();
        assert!(!line.contains('\n'), "{line}");
        for part in [
            "ges",
            "createBackup",
            "APIGW.0301",
            "Invalid signature",
            "req-7",
        ] {
            assert!(line.contains(part), "{part} missing from {line}");
        }
        assert_eq!(cli.exit_code(), ExitCode::from(1));
    }

    #[test]
    fn control_sequences_in_any_error_text_are_escaped() {
        for cli in [
            CliError::Failed("report \u{1b}]0;title\u{7} not written\n".into()),
            CliError::Usage("bad \u{9b}2J plan \u{202e}".into()),
            CliError::sdk(
                "ges \u{1b}[31mcontext",
                backup_core::Error::Config("endpoint \u{1b}[2J".into()),
            ),
        ] {
            let line = cli.to_string();
            let unsafe_char = |c: char| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c);
            assert!(!line.chars().any(unsafe_char), "{line:?}");
            assert!(line.contains("\\u{"), "{line}");
        }
    }

    #[test]
    fn an_error_after_something_was_sent_never_exits_2() {
        let refused = || backup_core::Error::invalid_input("job_id", "must not be empty");
        assert_eq!(
            CliError::sdk_after_send("ges showJob", refused()).exit_code(),
            ExitCode::from(1)
        );
        assert_eq!(
            CliError::sdk("ges showJob", refused())
                .after_send()
                .exit_code(),
            ExitCode::from(1)
        );
        assert_eq!(
            CliError::Usage("no mode".into()).after_send().exit_code(),
            ExitCode::from(1)
        );
    }

    #[test]
    fn input_refused_before_sending_is_a_usage_error() {
        let cli = CliError::sdk(
            "ocp backupNow",
            backup_core::Error::invalid_input("id", "must be at least 1"),
        );
        assert_eq!(cli.exit_code(), ExitCode::from(2));
        assert!(cli.to_string().starts_with("ocp backupNow: "), "{cli}");
    }

    #[test]
    fn a_listing_that_would_not_end_is_a_failure_named_once() {
        let error = backup_core::PaginationError::new(
            "ocp",
            "listDataBackupTasks",
            2,
            backup_core::PaginationErrorKind::RepeatedPage,
        );
        let cli = CliError::sdk("ocp listDataBackupTasks", error.into());
        assert_eq!(
            cli.to_string(),
            "ocp listDataBackupTasks: paging stopped after 2 pages: page 2 repeats the page before it"
        );
        assert_eq!(cli.exit_code(), ExitCode::from(1));
    }
}
