//! Every vendor crate re-exports the same names from backup-core (issue 14 item 6), so a
//! program depends on one crate: `Error`, `ServiceErrorKind`, `Result` (with `Error`),
//! `WaitConfig`, `Progress` and the vendor's credentials type. This file imports nothing
//! from `backup_core`; a missing re-export does not compile.

/// Names each re-export as a type and checks `Result`'s error is the vendor's `Error`.
macro_rules! reexports {
    ($test:ident, $krate:ident, $credentials:ident) => {
        #[test]
        fn $test() {
            use $krate::{Error, Progress, Result, ServiceErrorKind, WaitConfig, $credentials};
            fn fails() -> Result<()> {
                Err(Error::Config("no".into()))
            }
            let error: Error = fails().unwrap_err();
            assert!(matches!(error, Error::Config(_)));
            assert_eq!(
                ServiceErrorKind::Throttling,
                $krate::ServiceErrorKind::Throttling
            );
            let _config: WaitConfig = WaitConfig::default();
            let _progress: Option<Progress> = None;
            let _credentials: Option<$credentials> = None;
        }
    };
}

reexports!(ncp_vhadoop_reexports, ncp_vhadoop, NcpCredentials);
reexports!(ncp_vcache_reexports, ncp_vcache, NcpCredentials);
reexports!(ocp_reexports, ocp_ob_backup, OcpCredentials);
reexports!(ges_reexports, hw_ges_backup, HuaweiCredentials);

/// With the `object-storage` feature, both NCP crates re-export the Object Storage client,
/// so a program checks an export or a configuration backup without naming backup-core.
macro_rules! object_storage_reexports {
    ($test:ident, $krate:ident) => {
        #[test]
        fn $test() {
            use $krate::object_storage::{ObjectStorageClient, codes, is_not_found};
            let client: $krate::Result<ObjectStorageClient> = ObjectStorageClient::builder()
                .credentials($krate::NcpCredentials::new("AK", "SK"))
                .site($krate::Site::Public)
                .region("KR")
                .build();
            let Ok(client) = client else {
                panic!("the client builds: {client:?}");
            };
            assert_eq!(client.endpoint(), "https://kr.object.ncloudstorage.com");
            assert_eq!(codes::NO_SUCH_BUCKET, "NoSuchBucket");
            assert!(!is_not_found(&$krate::Error::Config("no".into())));
        }
    };
}

object_storage_reexports!(ncp_vhadoop_object_storage, ncp_vhadoop);
object_storage_reexports!(ncp_vcache_object_storage, ncp_vcache);
