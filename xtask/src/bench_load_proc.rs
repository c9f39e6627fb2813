//! Reading a process's CPU time and memory from `/proc`, and the machine's description.

use std::process::Command;

/// CPU time and resident memory of a process at one moment.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sample {
    /// User plus system CPU time, in seconds.
    pub cpu_s: f64,
    /// User-space CPU time (utime), in seconds.
    pub user_s: f64,
    /// CPU time spent in the kernel on the process's behalf (stime), in seconds.
    pub kernel_s: f64,
    /// Resident set size, in bytes.
    pub rss: u64,
    /// The largest resident set size the process has had so far (VmHWM), in bytes.
    pub peak_rss: u64,
}

/// Clock ticks per second for `/proc/PID/stat` (`getconf CLK_TCK`, else 100).
pub fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| {
            String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse::<f64>()
                .ok()
        })
        .filter(|ticks| *ticks > 0.0)
        .unwrap_or(100.0)
}

/// Reads `pid`'s utime + stime, VmRSS and VmHWM; `None` if the process is gone.
pub fn sample(pid: u32, ticks: f64) -> Option<Sample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which sits in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after `state`.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = |field: &str| -> Option<u64> {
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    };
    let rss_kib = kib("VmRSS:")?;
    Some(Sample {
        cpu_s: (utime + stime) / ticks,
        user_s: utime / ticks,
        kernel_s: stime / ticks,
        rss: rss_kib * 1024,
        peak_rss: kib("VmHWM:").unwrap_or(rss_kib) * 1024,
    })
}

/// The machine, for the report: processors, CPU model, kernel.
pub fn machine() -> (usize, String, String) {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "unknown".to_owned());
    (cpus, model, kernel)
}

/// Today's date (UTC), from `date`.
pub fn today() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// Whether `program` can be started (`program --version` runs).
pub fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}
