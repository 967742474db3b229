//! Every vendor crate's generated `send()` future owns its client (issue 14 item 4), so it
//! is `'static` and `Send` and can be handed to `tokio::spawn` after the client it came
//! from is dropped. Before, fluent builders borrowed `&Client` and none of this compiled.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use backup_emulator::config::defaults;
use backup_emulator::{Emulator, ops};
use common::*;

#[tokio::test]
async fn send_futures_of_every_vendor_crate_can_be_spawned() {
    let emu = start(Emulator::demo()).await;

    let client = vhadoop(&emu);
    let hadoop = client
        .get_cloud_hadoop_instance_detail()
        .cloud_hadoop_instance_no(HADOOP)
        .send();
    drop(client);
    let client = vcache(&emu);
    let cache = client.get_cloud_cache_manual_backup_list().send();
    drop(client);
    let client = vredis(&emu);
    let redis = client.get_cloud_redis_manual_backup_list().send();
    drop(client);
    let client = ocp_basic(&emu, defaults::OCP_PASSWORD);
    let ocp = client.get_backup_strategy().id(OCP_CLUSTER).send();
    drop(client);
    let client = ges_aksk(&emu, defaults::HUAWEI_SECRET_KEY);
    let ges = client.list_graph_backups().graph_id(GRAPH).send();
    drop(client);

    let hadoop = tokio::spawn(hadoop);
    let cache = tokio::spawn(cache);
    let redis = tokio::spawn(redis);
    let ocp = tokio::spawn(ocp);
    let ges = tokio::spawn(ges);
    hadoop.await.unwrap().unwrap();
    cache.await.unwrap().unwrap();
    redis.await.unwrap().unwrap();
    ocp.await.unwrap().unwrap();
    ges.await.unwrap().unwrap();
    for operation in [
        ops::VHADOOP_GET_INSTANCE_DETAIL,
        ops::VCACHE_MANUAL_BACKUP_LIST,
        ops::VREDIS_MANUAL_BACKUP_LIST,
        ops::OCP_GET_BACKUP_STRATEGY,
        ops::GES_LIST_GRAPH_BACKUPS,
    ] {
        assert_eq!(emu.requests(operation), 1, "{operation}");
    }
}
