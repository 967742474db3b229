//! **Not part of the API**: the entry points `cargo xtask fuzz` drives. Hidden from the
//! documentation, exempt from semver, and free to change in any release.

use std::time::{Duration, SystemTime};

use backup_core::fuzzing::Outcome;
use backup_core::operation::OperationSpec;
use backup_core::{Error, HttpResponse};
use serde::de::DeserializeOwned;

use crate::errors::GesClassifier;
use crate::iam::{IAM_VENDOR, OPERATION as IAM_OPERATION, parse_rfc3339, token_from_response};
use crate::waiter::job_state;
use crate::*;

/// The client's path after the request, as `Connection::call` runs it (one-pass decode of
/// a 2xx, else classification then the body).
fn run<O: DeserializeOwned + 'static>(
    spec: &OperationSpec,
    response: &HttpResponse,
) -> Result<O, Error> {
    backup_core::fuzzing::protocol_decode(&GesProtocol::default(), VENDOR, spec, response)
}

/// What the job waiter makes of one poll.
fn job(job: &Job) -> Result<(), Error> {
    job_state("fuzz-job", job.clone()).map(|_| ())
}

/// What the backup paginator hands out.
fn page(page: &BackupPage) -> Result<(), Error> {
    std::hint::black_box(page.backup_list.as_ref().map(Vec::len));
    Ok(())
}

backup_core::fuzz_operations! {
    run;
    CREATE_BACKUP_SPEC => CreateBackupOutput,
    DELETE_BACKUP_SPEC => DeleteBackupOutput,
    LIST_BACKUPS_SPEC => ListBackupsOutput => page,
    LIST_GRAPH_BACKUPS_SPEC => ListGraphBackupsOutput => page,
    SHOW_JOB_SPEC => ShowJobOutput => job,
}

/// The IAM token provider's path for a token response: classification (IAM shares the
/// GES classifier), then the token and its expiry.
pub fn iam_token(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Outcome {
    let response = backup_core::fuzzing::response(status, headers, body);
    let result =
        backup_core::fuzzing::classify(&GesClassifier, IAM_VENDOR, &IAM_OPERATION, &response)
            .and_then(|()| {
                token_from_response(&response, SystemTime::now(), Duration::from_secs(86_400))
            });
    Outcome::of(&result)
}

/// The IAM `expires_at` parser.
pub fn iam_timestamp(text: &str) -> Outcome {
    Outcome::of_option(&parse_rfc3339(text))
}
