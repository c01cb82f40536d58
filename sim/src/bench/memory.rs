//! The process's peak resident memory and the machine's load, from /proc (Linux); None
//! elsewhere or when unreadable.

/// VmHWM from /proc/self/status: the peak resident set since the process started.
pub fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status_field_kib(&status, "VmHWM:").map(|kib| kib * 1024)
}

/// A `Name:   1234 kB` line of /proc/self/status, in KiB.
fn status_field_kib(status: &str, name: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with(name))?;
    let mut words = line[name.len()..].split_whitespace();
    let value = words.next()?.parse().ok()?;
    (words.next() == Some("kB")).then_some(value)
}

/// The 1-, 5- and 15-minute load averages.
pub fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut fields = text.split_whitespace().map(|field| field.parse().ok());
    Some([fields.next()??, fields.next()??, fields.next()??])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_parse_in_kib() {
        let status = "Name:\tzksim\nVmHWM:\t   20480 kB\nVmRSS:\t 1 kB\n";
        assert_eq!(status_field_kib(status, "VmHWM:"), Some(20_480));
        assert_eq!(status_field_kib(status, "VmPeak:"), None);
        assert_eq!(status_field_kib("VmHWM: 12 MB", "VmHWM:"), None);
    }
}
