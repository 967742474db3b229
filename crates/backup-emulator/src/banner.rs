//! The text the binary (and `backupctl emulator serve`) prints at start.

use std::fmt::Write as _;

use crate::EmulatorHandle;
use crate::config::KeyPair;

impl EmulatorHandle {
    /// What the emulator serves: its address, the backup duration, every credential it
    /// accepts and every resource it knows, one per line.
    ///
    /// The emulator's own test credentials are printed on purpose: they are what a user
    /// needs to point a client at it, and they are never real secrets.
    pub fn banner(&self) -> String {
        let mut out = String::new();
        let f = self.fixture();
        let c = &f.credentials;
        let _ = writeln!(out, "backup-emulator listening on {}", self.base_url());
        let _ = writeln!(out, "backup duration: {} ms", f.backup_duration_ms);
        key_lines(
            &mut out,
            "NCP        NCLOUD_ACCESS_KEY_ID",
            "NCLOUD_SECRET_ACCESS_KEY",
            &c.ncp,
        );
        key_lines(
            &mut out,
            "Huawei     HUAWEICLOUD_SDK_AK",
            "HUAWEICLOUD_SDK_SK",
            &c.huawei,
        );
        for u in &c.huawei_users {
            let _ = writeln!(
                out,
                "Huawei IAM user={} password={} domain={} project={} ({})",
                u.name, u.password, u.domain, u.project_name, u.project_id
            );
        }
        for u in &c.ocp_users {
            let _ = writeln!(
                out,
                "OCP Basic  user={} password={}",
                u.username, u.password
            );
        }
        key_lines(
            &mut out,
            "OCP AK/SK  OCP_ACCESS_KEY_ID",
            "OCP_ACCESS_KEY_SECRET",
            &c.ocp_keys,
        );
        let r = &f.resources;
        resource_lines(
            &mut out,
            "vhadoop cloudHadoopInstanceNo",
            r.hadoop_clusters.iter().map(|h| &h.instance_no),
        );
        resource_lines(
            &mut out,
            "vcache cloudCacheInstanceNo",
            r.cache_instances.iter().map(|i| &i.instance_no),
        );
        resource_lines(
            &mut out,
            "vredis cloudRedisInstanceNo",
            r.redis_instances.iter().map(|i| &i.instance_no),
        );
        for o in &r.ocp_clusters {
            let tenants: Vec<String> = o.tenants.iter().map(|t| t.id.to_string()).collect();
            let _ = writeln!(
                out,
                "resource   ocp cluster id={} tenants=[{}]",
                o.id,
                tenants.join(",")
            );
        }
        for g in &r.ges_graphs {
            let _ = writeln!(
                out,
                "resource   ges project_id={} graph_id={}",
                g.project_id, g.graph_id
            );
        }
        out
    }
}

/// One line per key pair: `{label}={access key} {secret_name}={secret key}`.
fn key_lines(out: &mut String, label: &str, secret_name: &str, keys: &[KeyPair]) {
    for k in keys {
        let _ = writeln!(
            out,
            "{label}={} {secret_name}={}",
            k.access_key, k.secret_key
        );
    }
}

/// One line per NCP instance: `resource   {kind}={number}`.
fn resource_lines<'a>(out: &mut String, kind: &str, numbers: impl Iterator<Item = &'a String>) {
    for no in numbers {
        let _ = writeln!(out, "resource   {kind}={no}");
    }
}

#[cfg(test)]
mod tests {
    use crate::Emulator;
    use crate::config::CacheInstance;

    /// Every credential and resource, one per line, in a fixed order.
    #[tokio::test]
    async fn the_banner_lists_every_credential_and_resource() {
        let emulator = Emulator::demo()
            .ncp_key("NCP2", "ncp-secret-2")
            .ocp_key("OCP2", "ocp-secret-2")
            .cache_instance(CacheInstance::new("2000002", "second"))
            .start()
            .await
            .unwrap_or_else(|e| panic!("start: {e}"));
        let banner = emulator.banner();
        let mut lines = banner.lines();
        assert_eq!(
            lines.next(),
            Some(format!("backup-emulator listening on {}", emulator.base_url()).as_str())
        );
        let expected = "\
backup duration: 2000 ms
NCP        NCLOUD_ACCESS_KEY_ID=EMULATORNCPACCESSKEY NCLOUD_SECRET_ACCESS_KEY=emulator-ncp-secret-key
NCP        NCLOUD_ACCESS_KEY_ID=NCP2 NCLOUD_SECRET_ACCESS_KEY=ncp-secret-2
Huawei     HUAWEICLOUD_SDK_AK=EMULATORHUAWEIAK HUAWEICLOUD_SDK_SK=emulator-huawei-secret-key
Huawei IAM user=emulator-user password=emulator-password domain=emulator-domain project=cn-north-4 (0123456789abcdef0123456789abcdef)
OCP Basic  user=admin password=emulator-ocp-password
OCP AK/SK  OCP_ACCESS_KEY_ID=EMULATOROCPAK OCP_ACCESS_KEY_SECRET=emulator-ocp-secret
OCP AK/SK  OCP_ACCESS_KEY_ID=OCP2 OCP_ACCESS_KEY_SECRET=ocp-secret-2
resource   vhadoop cloudHadoopInstanceNo=1000001
resource   vcache cloudCacheInstanceNo=2000001
resource   vcache cloudCacheInstanceNo=2000002
resource   vredis cloudRedisInstanceNo=3000001
resource   ocp cluster id=1 tenants=[1001]
resource   ges project_id=0123456789abcdef0123456789abcdef graph_id=11111111-2222-3333-4444-555555555555
";
        let rest: Vec<&str> = lines.collect();
        assert_eq!(rest.join("\n") + "\n", expected);
    }
}
