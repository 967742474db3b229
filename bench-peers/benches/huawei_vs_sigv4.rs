//! backup-core's Huawei `SDK-HMAC-SHA256` signing next to `aws-sigv4`, in one criterion run.
//!
//! `cargo bench -- --warm-up-time 1 --measurement-time 3` (in `bench-peers/`)
//!
//! Both sign a POST with four signed headers and an empty body:
//!
//! - Huawei: the GES create-backup request (`content-type`, `host`, `x-project-id`,
//!   `x-sdk-date`).
//! - SigV4: the same path on a comparable host with `content-type`, `host`, `x-project-id`,
//!   plus the `x-amz-date` that SigV4 adds itself; `SignableBody::Bytes(&[])`, so the
//!   payload is hashed, as Huawei hashes the (empty) body.
//!
//! Two pairs are measured:
//!
//! - `*/sign`: the signature computation a client calls per attempt. For SigV4 that is
//!   building `SigningParams` (as the AWS SDK does for every request) plus `sign()`; for
//!   Huawei, `format_sdk_date` plus `huawei::authorization`.
//! - `*/sign_and_apply`: everything a client does to a request per attempt. For SigV4 that is
//!   the above plus collecting the request's headers into a `SignableRequest` and
//!   `apply_to_request_http1x`; for Huawei, the complete `HuaweiAkSkSigner::sign` (credential
//!   lookup, date, header updates, signature).

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use backup_core::credentials::HuaweiCredentials;
use backup_core::sign::{self as bsign, HuaweiAkSkSigner, Sign, SigningContext, huawei};
use backup_core::{HttpRequest, Method};
use criterion::{Criterion, criterion_group, criterion_main};

const GES_HOST: &str = "ges.cn-north-4.myhuaweicloud.com";
const AWS_HOST: &str = "ges.us-east-1.amazonaws.com";
const PID: &str = "0123456789abcdef0123456789abcdef";
const PATH: &str =
    "/v2/0123456789abcdef0123456789abcdef/graphs/11111111-2222-3333-4444-555555555555/backups";
/// 2024-01-01T00:00:00Z
const NOW_SECS: u64 = 1_704_067_200;

/// Polls a future that completes without waiting (static credentials).
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

fn huawei_vs_sigv4(c: &mut Criterion) {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(NOW_SECS);
    let mut group = c.benchmark_group("huawei_vs_sigv4");

    // --- Huawei: pure signature --------------------------------------------------------
    let mut request = HttpRequest::new(Method::Post, PATH);
    request.set_header("content-type", "application/json");
    request.set_header(huawei::PROJECT_ID_HEADER, PID);
    group.bench_function("huawei/sign", |b| {
        b.iter(|| {
            let date = huawei::format_sdk_date(black_box(now));
            request.set_header(huawei::DATE_HEADER, date);
            huawei::authorization(
                &bsign::SignableRequest::from(black_box(&request)),
                Some(black_box(GES_HOST)),
                black_box("AccessKey"),
                black_box(b"SecretKey"),
            )
        })
    });

    // --- Huawei: the whole signer -----------------------------------------------------
    let signer = HuaweiAkSkSigner::new(
        HuaweiCredentials::new("AccessKey", "SecretKey").with_project_id(PID),
    );
    let context = SigningContext {
        now,
        host: GES_HOST.to_owned(),
    };
    let mut request = HttpRequest::new(Method::Post, PATH);
    request.set_header("content-type", "application/json");
    group.bench_function("huawei/sign_and_apply", |b| {
        b.iter(|| ready(signer.sign(black_box(&mut request), &context)))
    });

    // --- aws-sigv4: params + sign ----------------------------------------------------
    let identity: Identity = Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        None,
        None,
        "bench",
    )
    .into();
    let uri = format!("https://{AWS_HOST}{PATH}");
    let headers = [
        ("content-type", "application/json"),
        ("host", AWS_HOST),
        ("x-project-id", PID),
    ];
    group.bench_function("aws_sigv4/sign", |b| {
        b.iter(|| {
            let params = v4::SigningParams::builder()
                .identity(&identity)
                .region("us-east-1")
                .name("ges")
                .time(black_box(now))
                .settings(SigningSettings::default())
                .build()
                .unwrap()
                .into();
            let signable = SignableRequest::new(
                "POST",
                black_box(uri.as_str()),
                headers.iter().copied(),
                SignableBody::Bytes(&[]),
            )
            .unwrap();
            sign(signable, &params).unwrap()
        })
    });

    // --- aws-sigv4: params + sign + apply to an http::Request ------------------------
    let mut http_request = http::Request::builder()
        .method("POST")
        .uri(uri.as_str())
        .header("content-type", "application/json")
        .header("host", AWS_HOST)
        .header("x-project-id", PID)
        .body(Vec::<u8>::new())
        .unwrap();
    group.bench_function("aws_sigv4/sign_and_apply", |b| {
        b.iter(|| {
            let params = v4::SigningParams::builder()
                .identity(&identity)
                .region("us-east-1")
                .name("ges")
                .time(black_box(now))
                .settings(SigningSettings::default())
                .build()
                .unwrap()
                .into();
            let request = black_box(&mut http_request);
            let uri = request.uri().to_string();
            let signable = SignableRequest::new(
                request.method().as_str(),
                uri,
                request
                    .headers()
                    .iter()
                    .filter(|(name, _)| *name != "authorization" && *name != "x-amz-date")
                    .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?))),
                SignableBody::Bytes(request.body()),
            )
            .unwrap();
            let (instructions, _signature) = sign(signable, &params).unwrap().into_parts();
            instructions.apply_to_request_http1x(request);
        })
    });

    group.finish();
}

criterion_group!(benches, huawei_vs_sigv4);
criterion_main!(benches);
