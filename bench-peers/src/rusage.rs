//! `getrusage(RUSAGE_SELF)`: the CPU time (user + system, all threads) and peak RSS of this
//! process. The canned server is another process, so none of its work is counted.

use std::time::Duration;

fn rusage_self() -> libc::rusage {
    // SAFETY: getrusage writes a whole `rusage` (plain integers, zero is a valid value) into
    // the pointer it is given and reads nothing from it.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let rc = libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        assert_eq!(rc, 0, "getrusage(RUSAGE_SELF) failed");
        usage
    }
}

fn timeval(tv: libc::timeval) -> Duration {
    Duration::from_secs(tv.tv_sec as u64) + Duration::from_micros(tv.tv_usec as u64)
}

/// User + system CPU time this process has used so far, all threads included.
pub fn cpu_time() -> Duration {
    let usage = rusage_self();
    timeval(usage.ru_utime) + timeval(usage.ru_stime)
}

/// The peak resident set size of this process, in KiB (Linux reports `ru_maxrss` in KiB).
pub fn max_rss_kib() -> u64 {
    rusage_self().ru_maxrss as u64
}
