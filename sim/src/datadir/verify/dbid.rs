//! Which database the directory belongs to. Recovery is told its dbid by the
//! server's configuration; verify has no configuration, so it takes the id
//! most of the files name (log headers and sealed snapshots), or `--dbid`.

use std::collections::BTreeMap;
use zksim_core::persist::log_format::decode_log_header;
use zksim_core::persist::names::{classify, FileKind};
use zksim_core::persist::snapshot_format::decode_snapshot;

/// The dbid to check against, and a phrase saying where it came from.
pub fn choose(files: &BTreeMap<String, Vec<u8>>, forced: Option<u64>) -> (u64, String) {
    if let Some(dbid) = forced {
        return (dbid, "given with --dbid".to_string());
    }
    // dbid → (log headers, snapshots) naming it.
    let mut votes: BTreeMap<u64, (usize, usize)> = BTreeMap::new();
    for (name, bytes) in files {
        match classify(name) {
            FileKind::Log(_) => {
                if let Ok(dbid) = decode_log_header(bytes) {
                    votes.entry(dbid).or_default().0 += 1;
                }
            }
            FileKind::Snapshot(_) => {
                if let Ok(contents) = decode_snapshot(bytes) {
                    votes.entry(contents.dbid).or_default().1 += 1;
                }
            }
            _ => {}
        }
    }
    let Some((&dbid, &(logs, snapshots))) = votes
        .iter()
        .max_by_key(|(_, (logs, snapshots))| (logs + snapshots, *logs))
    else {
        return (0, "no file names one; 0 assumed".to_string());
    };
    assert!(logs + snapshots > 0);
    let mut source = format!(
        "named by {logs} log header{} and {snapshots} sealed snapshot{}",
        plural(logs),
        plural(snapshots)
    );
    if votes.len() > 1 {
        source.push_str(&format!(
            "; other files name {} other id{} (use --dbid to choose)",
            votes.len() - 1,
            plural(votes.len() - 1)
        ));
    }
    (dbid, source)
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}
