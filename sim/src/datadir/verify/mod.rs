//! `zksim datadir verify DIR`: is this data directory sound, and what will
//! recovery make of it?
//!
//! Each file gets a verdict from the core's own decoders (`log_scan`,
//! `snapshot_format`, `epoch_file`, `synced_hint`); the directory as a whole
//! is checked for zxid continuity, snapshot/log coverage and epoch
//! consistency; then the core's `recover()` runs on the same image and its
//! result is cross-checked against those findings. The verdict: OK, TORN
//! TAIL, RECOVERABLE WITH LOSS or DAMAGED (docs/DATADIR.md).

mod chain;
mod coverage;
mod dbid;
mod epochs;
mod logs;
mod others;
mod recovery_check;
pub mod report;
mod snapshots;
pub mod text;
mod verdict;

use crate::datadir::read::{read_dir, DirContents};
use report::{FileReport, Finding, Severity, VerifyReport};
use std::collections::BTreeMap;
use std::path::Path;
use zksim_core::persist::names::{classify, FileKind as NameKind};

#[derive(Clone, Copy, Debug, Default)]
pub struct VerifyOptions {
    /// The database id to check against (default: the one the files name).
    pub dbid: Option<u64>,
}

/// Reads and verifies `path`; `Err` when it cannot be read (bad input).
pub fn verify_dir(path: &Path, options: &VerifyOptions) -> Result<VerifyReport, String> {
    let contents = read_dir(path)?;
    Ok(verify_contents(
        &path.display().to_string(),
        &contents,
        options,
    ))
}

/// Verifies a directory already in memory; never fails, never panics.
pub fn verify_contents(
    directory: &str,
    contents: &DirContents,
    options: &VerifyOptions,
) -> VerifyReport {
    let (dbid, dbid_source) = dbid::choose(&contents.files, options.dbid);
    let mut found = Findings::default();
    let logs = logs::check(&contents.files, dbid, &mut found);
    let snapshots = snapshots::check(&contents.files, dbid, &logs, &mut found);
    let expected = coverage::check(&contents.files, &logs, &snapshots, &mut found);
    let last_zxid = logs.scan.is_ok().then_some(expected.last_zxid);
    epochs::check(&contents.files, last_zxid, &mut found);
    others::check(contents, &mut found);
    let expect = recovery_check::Expectations {
        snapshots: &snapshots,
        expected: &expected,
    };
    let recovery = recovery_check::run(contents, dbid, &expect, &mut found);
    let verdict = verdict::decide(found.all(), &recovery);
    let entries = contents.files.len() + contents.others.len();
    assert_eq!(found.files.len(), entries, "every entry gets one report");
    assert!(recovery.ok || verdict.status == report::VerdictStatus::Damaged);
    VerifyReport {
        directory: directory.to_string(),
        dbid,
        dbid_source,
        files: found.files_in_order(),
        checks: found.checks,
        recovery,
        verdict,
    }
}

/// Everything found so far: a report per file, and directory-wide findings.
#[derive(Debug, Default)]
struct Findings {
    files: BTreeMap<String, FileReport>,
    checks: Vec<Finding>,
}

impl Findings {
    fn insert(&mut self, report: FileReport) {
        let name = report.name.clone();
        let previous = self.files.insert(name, report);
        assert!(previous.is_none(), "each file is reported once");
    }

    fn file(&self, name: &str) -> &FileReport {
        self.files
            .get(name)
            .expect("reported before it is looked up")
    }

    fn file_mut(&mut self, name: &str) -> &mut FileReport {
        self.files
            .get_mut(name)
            .expect("reported before it is looked up")
    }

    fn check(&mut self, finding: Finding) {
        self.checks.push(finding);
    }

    fn all(&self) -> impl Iterator<Item = &Finding> + Clone {
        let per_file = self.files.values().flat_map(|file| file.findings.iter());
        per_file.chain(self.checks.iter())
    }

    /// Logs and snapshots in zxid order, then the epoch files, the hint and the rest.
    fn files_in_order(&self) -> Vec<FileReport> {
        let mut files: Vec<FileReport> = self.files.values().cloned().collect();
        files.sort_by_key(|file| {
            let zxid = match classify(&file.name) {
                NameKind::Log(zxid) | NameKind::Snapshot(zxid) => zxid.0,
                _ => 0,
            };
            (file.kind, zxid, file.name.clone())
        });
        debug_assert!(files
            .iter()
            .all(|file| file.worst() <= Some(Severity::Damage)));
        files
    }
}

#[cfg(test)]
mod tests;
