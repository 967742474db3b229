//! Signing cost per request for each vendor scheme.
//!
//! `cargo bench -p backup-core --bench signing -- --warm-up-time 1 --measurement-time 3`
//!
//! - `ncp_sign`: the work of `NcpSigner` for the vhadoop POST: request-target, timestamp
//!   digits, string to sign, HMAC-SHA256 and base64.
//! - `huawei_sign_ges_create_backup`: `SDK-HMAC-SHA256` of the GES create-backup request
//!   (POST, 4 signed headers with `host`, empty body), from canonical request to the
//!   `Authorization` value.
//! - `ocp_hmacsha1_sign`: `OCP-ACCESS-KEY-HMACSHA1` of the documented example 1 (POST with a
//!   JSON body, so MD5 included, and an `x-ocp-` header).
//! - `signer/*`: the complete `Sign::sign` of each signer (credential lookup, date
//!   formatting, header updates), polled once; the futures of static credentials are ready
//!   at once.
//!
//! Targets: NCP <= 1 us, OCP <= 2 us, Huawei >= 3x faster than aws-sigv4 (see
//! `bench-peers/` at the workspace root for that comparison).

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime};

use backup_core::credentials::{HuaweiCredentials, NcpCredentials, OcpCredentials};
use backup_core::sign::{
    HuaweiAkSkSigner, NcpSigner, OcpSigner, Sign, SignableRequest, SigningContext, huawei, ncp, ocp,
};
use backup_core::{HttpRequest, Method};
use criterion::{Criterion, criterion_group, criterion_main};

const GES_HOST: &str = "ges.cn-north-4.myhuaweicloud.com";
const GES_PID: &str = "0123456789abcdef0123456789abcdef";
const GES_PATH: &str =
    "/v2/0123456789abcdef0123456789abcdef/graphs/11111111-2222-3333-4444-555555555555/backups";
const OCP_HOST: &str = "ocp.alibaba.net:8080";
const OCP_BODY: &[u8] = br#"{"name":"test01","description":"test","regionId":1}"#;

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

fn ncp_request() -> HttpRequest {
    HttpRequest::new(Method::Post, "/vhadoop/v2/backupClusterConfiguration")
}

fn ges_request() -> HttpRequest {
    let mut request = HttpRequest::new(Method::Post, GES_PATH);
    request.headers = owned(&[
        ("content-type", "application/json"),
        ("x-project-id", GES_PID),
        ("x-sdk-date", "20240101T000000Z"),
    ]);
    request
}

fn ocp_request() -> HttpRequest {
    let mut request = HttpRequest::new(Method::Post, "/api/v2/compute/idcs");
    request.headers = owned(&[
        ("content-type", "application/json"),
        ("date", "Tue, 17 Jan 2023 09:13:57 GMT"),
        ("x-ocp-data", "A,1"),
    ]);
    request.body = OCP_BODY.to_vec();
    request
}

fn pure_functions(c: &mut Criterion) {
    let request = ncp_request();
    let now = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_000);
    c.bench_function("ncp_sign", |b| {
        b.iter(|| {
            let request = black_box(&request);
            let timestamp = backup_core::clock::unix_millis(black_box(now));
            ncp::signature(
                black_box(b"SECRETKEYEXAMPLE0123456789abcdefghijklmn"),
                request.method.as_str(),
                &request.request_target(),
                timestamp,
                black_box("AKIAEXAMPLEACCESSKEY"),
            )
        })
    });

    let request = ges_request();
    c.bench_function("huawei_sign_ges_create_backup", |b| {
        b.iter(|| {
            huawei::authorization(
                &SignableRequest::from(black_box(&request)),
                Some(black_box(GES_HOST)),
                black_box("AccessKey"),
                black_box(b"SecretKey"),
            )
        })
    });

    let request = ocp_request();
    c.bench_function("ocp_hmacsha1_sign", |b| {
        b.iter(|| {
            ocp::authorization(
                &SignableRequest::from(black_box(&request)),
                black_box(OCP_HOST),
                black_box("cqammmxBpfGjFlto"),
                black_box(b"2fc0c299cc94c6be266f2ceece765d4d"),
            )
        })
    });
}

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

fn signers(c: &mut Criterion) {
    let mut group = c.benchmark_group("signer");

    let signer = NcpSigner::new(NcpCredentials::new(
        "AKIAEXAMPLEACCESSKEY",
        "SECRETKEYEXAMPLE0123456789abcdefghijklmn",
    ));
    let context = SigningContext {
        now: SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_000),
        host: "vhadoop.apigw.ntruss.com".to_owned(),
    };
    let mut request = ncp_request();
    group.bench_function("ncp", |b| {
        b.iter(|| ready(signer.sign(black_box(&mut request), &context)))
    });

    let signer = HuaweiAkSkSigner::new(
        HuaweiCredentials::new("AccessKey", "SecretKey").with_project_id(GES_PID),
    );
    let context = SigningContext {
        now: SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200),
        host: GES_HOST.to_owned(),
    };
    let mut request = HttpRequest::new(Method::Post, GES_PATH);
    request.set_header("content-type", "application/json");
    group.bench_function("huawei_aksk", |b| {
        b.iter(|| ready(signer.sign(black_box(&mut request), &context)))
    });

    let signer = OcpSigner::new(OcpCredentials::access_key(
        "cqammmxBpfGjFlto",
        "2fc0c299cc94c6be266f2ceece765d4d",
    ));
    let context = SigningContext {
        now: SystemTime::UNIX_EPOCH + Duration::from_secs(1_673_946_837),
        host: OCP_HOST.to_owned(),
    };
    let mut request = ocp_request();
    group.bench_function("ocp_access_key", |b| {
        b.iter(|| ready(signer.sign(black_box(&mut request), &context)))
    });

    group.finish();
}

criterion_group!(benches, pure_functions, signers);
criterion_main!(benches);
