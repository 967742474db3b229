//! The text the binary (and `backupctl emulator serve`) prints at start.

use std::fmt::Write as _;

use crate::EmulatorHandle;

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
        for k in &c.ncp {
            let _ = writeln!(
                out,
                "NCP        NCLOUD_ACCESS_KEY_ID={} NCLOUD_SECRET_ACCESS_KEY={}",
                k.access_key, k.secret_key
            );
        }
        for k in &c.huawei {
            let _ = writeln!(
                out,
                "Huawei     HUAWEICLOUD_SDK_AK={} HUAWEICLOUD_SDK_SK={}",
                k.access_key, k.secret_key
            );
        }
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
        for k in &c.ocp_keys {
            let _ = writeln!(
                out,
                "OCP AK/SK  OCP_ACCESS_KEY_ID={} OCP_ACCESS_KEY_SECRET={}",
                k.access_key, k.secret_key
            );
        }
        let r = &f.resources;
        for h in &r.hadoop_clusters {
            let _ = writeln!(
                out,
                "resource   vhadoop cloudHadoopInstanceNo={}",
                h.instance_no
            );
        }
        for i in &r.cache_instances {
            let _ = writeln!(
                out,
                "resource   vcache cloudCacheInstanceNo={}",
                i.instance_no
            );
        }
        for i in &r.redis_instances {
            let _ = writeln!(
                out,
                "resource   vredis cloudRedisInstanceNo={}",
                i.instance_no
            );
        }
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
