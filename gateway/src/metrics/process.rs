//! The standard `process_*` metrics (CPU time, memory, file descriptors, threads, start
//! time), read from `/proc/self` on Linux; elsewhere nothing is written.

use super::exposition::{Exposition, Kind};

/// Clock ticks per second of `/proc`'s CPU times (`USER_HZ`, fixed at 100 for user space).
const TICKS_PER_SECOND: f64 = 100.0;

/// Writes the process metrics.
pub fn write(out: &mut Exposition) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return };
    // Fields after the command name, which is in parentheses and may contain spaces.
    let Some(fields) = stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect::<Vec<_>>()) else {
        return;
    };
    // `fields[0]` is field 3 of proc(5), the state.
    let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    out.family("process_cpu_seconds_total", Kind::Counter, "User and system CPU time spent, in seconds.").sample(
        "process_cpu_seconds_total",
        &[],
        (field(14) + field(15)) / TICKS_PER_SECOND,
    );
    out.family("process_virtual_memory_bytes", Kind::Gauge, "Virtual memory size, in bytes.").sample(
        "process_virtual_memory_bytes",
        &[],
        field(23),
    );
    if let Some(rss_kb) = status_kb("VmRSS:") {
        out.family("process_resident_memory_bytes", Kind::Gauge, "Resident memory size, in bytes.").sample(
            "process_resident_memory_bytes",
            &[],
            rss_kb * 1024.0,
        );
    }
    out.family("process_threads", Kind::Gauge, "Number of OS threads.").sample("process_threads", &[], field(20));
    if let Some(boot) = boot_time() {
        out.family("process_start_time_seconds", Kind::Gauge, "Start time since the Unix epoch, in seconds.").sample(
            "process_start_time_seconds",
            &[],
            boot + field(22) / TICKS_PER_SECOND,
        );
    }
    if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
        out.family("process_open_fds", Kind::Gauge, "Number of open file descriptors.").sample(
            "process_open_fds",
            &[],
            entries.count() as f64,
        );
    }
    if let Some(max) = max_open_files() {
        out.family("process_max_fds", Kind::Gauge, "Maximum number of open file descriptors.").sample(
            "process_max_fds",
            &[],
            max,
        );
    }
}

fn status_kb(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| line.strip_prefix(key)?.trim().trim_end_matches("kB").trim().parse().ok())
}

fn boot_time() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    stat.lines().find_map(|line| line.strip_prefix("btime ")?.trim().parse().ok())
}

fn max_open_files() -> Option<f64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|line| line.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}
