//! A fixture's `clock_offset_seconds` shifts the emulator's whole clock: the signature-time
//! checks (NCP 5 minutes, Huawei APIG and OCP 15), and the `Date` every answer carries, so
//! that a client can learn the server's time from it. A stale signature gets each vendor's
//! own error body.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use backup_core::Method;
use backup_core::clock::SteppingClock;
use backup_emulator::config::{defaults, demo};
use backup_emulator::{Emulator, EmulatorHandle, Fixture, ops};
use common::*;

async fn shifted(seconds: i64) -> EmulatorHandle {
    start(Emulator::demo().clock_offset_seconds(seconds)).await
}

fn ocp_strategy() -> backup_core::HttpRequest {
    backup_core::HttpRequest::new(
        Method::Get,
        format!(
            "/api/v2/ob/clusters/{}/backup/config/backupStrategy",
            demo::OCP_CLUSTER_ID
        ),
    )
}

fn date_of(response: &backup_core::HttpResponse) -> SystemTime {
    backup_core::time::parse_http_date(response.header("date").expect("a Date header")).unwrap()
}

fn seconds_between(a: SystemTime, b: SystemTime) -> i64 {
    match a.duration_since(b) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

#[tokio::test]
async fn the_date_header_follows_the_shifted_clock() {
    for offset in [600, -600, 1200, -1200, 0] {
        let emu = shifted(offset).await;
        let c = client(&emu.base_url(), ncp_signer(), true);
        let before = SystemTime::now();
        let r = send(
            &c,
            ncp_post("/vhadoop/v2/getCloudHadoopInstanceDetail", &[]),
        )
        .await;
        let difference = seconds_between(date_of(&r), before);
        assert!(
            (offset - 2..=offset + 2).contains(&difference),
            "offset {offset}: Date is {difference} s from the host's clock"
        );
    }
}

#[tokio::test]
async fn ncp_refuses_a_ten_minute_skew_with_the_gateway_error() {
    for offset in [600, -600] {
        let emu = shifted(offset).await;
        let c = client(&emu.base_url(), ncp_signer(), true);
        let r = send(
            &c,
            ncp_post(
                "/vhadoop/v2/backupClusterConfiguration",
                &[("cloudHadoopInstanceNo", demo::HADOOP_INSTANCE_NO)],
            ),
        )
        .await;
        assert_eq!(r.status, 401, "offset {offset}: {}", r.text());
        assert_eq!(json(&r)["error"]["errorCode"], "200");
        assert_eq!(json(&r)["error"]["message"], "Authentication Failed");

        // Signed with the emulator's time, the same request is accepted.
        let server_time = if offset > 0 {
            SystemTime::now() + Duration::from_secs(offset as u64)
        } else {
            SystemTime::now() - Duration::from_secs(offset.unsigned_abs())
        };
        let in_step = with_clock(
            &emu.base_url(),
            ncp_signer(),
            Arc::new(SteppingClock::frozen(server_time)),
        );
        let r = send(
            &in_step,
            ncp_post(
                "/vhadoop/v2/backupClusterConfiguration",
                &[("cloudHadoopInstanceNo", demo::HADOOP_INSTANCE_NO)],
            ),
        )
        .await;
        assert_eq!(r.status, 200, "offset {offset}: {}", r.text());
        assert_eq!(
            emu.backups_created(&ops::hadoop_resource(demo::HADOOP_INSTANCE_NO)),
            1
        );
    }
}

#[tokio::test]
async fn huawei_and_ocp_tolerate_ten_minutes_and_refuse_twenty() {
    let emu = shifted(600).await;
    let ges = client(&emu.base_url(), huawei_signer(), true);
    assert_eq!(send(&ges, ges_create()).await.status, 200);

    let emu = shifted(-1200).await;
    let ges = client(&emu.base_url(), huawei_signer(), true);
    let r = send(&ges, ges_create()).await;
    assert_eq!(r.status, 401);
    assert_eq!(json(&r)["error_code"], "APIGW.0301");
    let message = json(&r)["error_msg"].as_str().unwrap().to_owned();
    assert!(message.contains("signature expired"), "{message}");
    assert_eq!(
        emu.backups_created(&ops::ges_resource(
            defaults::HUAWEI_PROJECT_ID,
            demo::GES_GRAPH_ID
        )),
        0
    );

    let ocp = client(&emu.base_url(), ocp_ak(), true);
    let r = send(&ocp, ocp_strategy()).await;
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(json(&r)["successful"], false);
    assert!(
        json(&r)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("15 minutes")
    );
    // HTTP Basic signs no time: the skew does not matter.
    let basic = client(&emu.base_url(), ocp_basic(), true);
    let r = send(&basic, ocp_strategy()).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn the_offset_is_a_fixture_setting() {
    let fixture = Fixture::from_json(r#"{"clock_offset_seconds": -1200}"#).unwrap();
    assert_eq!(fixture.clock_offset_seconds, -1200);
    assert_eq!(Fixture::default().clock_offset_seconds, 0);
}
