//! What `verify` found: per file, for the directory as a whole, what the
//! core's recovery made of it, and the verdict. Serialized as-is for `--json`
//! (docs/DATADIR.md documents every field).

use serde::Serialize;

/// How bad a finding is; the verdict is decided by the worst one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// A fact worth knowing; nothing wrong.
    Info,
    /// Not as the core leaves it, but recovery is unaffected (a stray file).
    Warning,
    /// A write that never completed (a crash): recovery cleans it up.
    Torn,
    /// Durable data is damaged or missing, and recovery works around it.
    Loss,
    /// Recovery would refuse to start (or would silently lose acknowledged data).
    Damage,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "note",
            Severity::Warning => "warning",
            Severity::Torn => "torn",
            Severity::Loss => "loss",
            Severity::Damage => "DAMAGE",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// The file it is about, if one.
    pub file: Option<String>,
    /// The byte of `file` it is about, if one.
    pub offset: Option<u64>,
    pub message: String,
}

impl Finding {
    pub fn new(severity: Severity, message: impl Into<String>) -> Finding {
        Finding {
            severity,
            file: None,
            offset: None,
            message: message.into(),
        }
    }

    pub fn in_file(mut self, file: &str) -> Finding {
        self.file = Some(file.to_string());
        self
    }

    pub fn at(mut self, offset: u64) -> Finding {
        self.offset = Some(offset);
        self
    }

    /// `file at byte N: message`, or as much of it as is known.
    pub fn located(&self) -> String {
        match (&self.file, self.offset) {
            (Some(file), Some(offset)) => format!("{file} at byte {offset}: {}", self.message),
            (Some(file), None) => format!("{file}: {}", self.message),
            _ => self.message.clone(),
        }
    }
}

/// What a file is, judged by its name (and, for entries, by its type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    Log,
    Snapshot,
    AcceptedEpoch,
    CurrentEpoch,
    SyncedHint,
    RepairMarker,
    RestoreMarker,
    Temporary,
    Unknown,
    /// A directory, symbolic link, special file or non-UTF-8 name.
    NotAFile,
}

/// A file's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    Ok,
    /// A log whose tail is an unfinished write.
    Torn,
    /// A log after a torn tail, holding nothing durable: recovery deletes it.
    Dropped,
    /// Damage recovery will not accept.
    Corrupt,
    /// A log after a corruption: recovery never reads it.
    Unread,
    /// A sealed snapshot recovery will not use, or an epoch file it cannot read.
    Unusable,
    /// A snapshot without a seal: unfinished, or cut short.
    Incomplete,
    /// Not read by recovery (temporary, unknown, not a file).
    Ignored,
}

impl FileStatus {
    pub fn label(self) -> &'static str {
        match self {
            FileStatus::Ok => "ok",
            FileStatus::Torn => "TORN",
            FileStatus::Dropped => "DROPPED",
            FileStatus::Corrupt => "CORRUPT",
            FileStatus::Unread => "UNREAD",
            FileStatus::Unusable => "UNUSABLE",
            FileStatus::Incomplete => "INCOMPLETE",
            FileStatus::Ignored => "ignored",
        }
    }
}

/// A log file's contents in brief.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogFacts {
    /// The database id in its header (`null` when the header is damaged).
    pub dbid: Option<u64>,
    /// The zxid in its name.
    pub named_zxid: String,
    /// Records before the first place the file stops parsing (those recovery reads).
    pub records: usize,
    /// Records found after it (recovery never reads them).
    pub records_past_stop: usize,
    pub first_zxid: Option<String>,
    pub last_zxid: Option<String>,
    /// The predecessor the first record names.
    pub prev_zxid: Option<String>,
    /// The byte after the last record recovery reads.
    pub records_end: u64,
    /// The first sector boundary where the file stops parsing, if any.
    pub stops_at: Option<u64>,
}

/// A snapshot file's contents in brief.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SnapshotFacts {
    pub sealed: bool,
    /// From the header (read even without a seal; `null` when it does not decode).
    pub dbid: Option<u64>,
    pub zxid: Option<String>,
    pub nodes: Option<usize>,
    pub sessions: Option<usize>,
    pub usable: bool,
    /// The snapshot recovery starts from.
    pub used: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileReport {
    pub name: String,
    pub kind: FileKind,
    pub bytes: u64,
    pub status: FileStatus,
    /// One line: what the file holds.
    pub summary: String,
    pub findings: Vec<Finding>,
    pub log: Option<LogFacts>,
    pub snapshot: Option<SnapshotFacts>,
    /// An epoch file's value.
    pub epoch: Option<u32>,
    /// The durability hint's zxid.
    pub hint_zxid: Option<String>,
}

impl FileReport {
    pub fn new(name: &str, kind: FileKind, bytes: u64) -> FileReport {
        FileReport {
            name: name.to_string(),
            kind,
            bytes,
            status: FileStatus::Ok,
            summary: String::new(),
            findings: Vec::new(),
            log: None,
            snapshot: None,
            epoch: None,
            hint_zxid: None,
        }
    }

    /// Adds a finding about this file (located in it).
    pub fn add(&mut self, finding: Finding) {
        let finding = finding.in_file(&self.name);
        self.findings.push(finding);
    }

    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|finding| finding.severity).max()
    }
}

/// A snapshot recovery passed over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RejectedSnapshot {
    pub file: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TornTailReport {
    pub file: String,
    pub valid_bytes: u64,
    pub reason: String,
    pub dropped_files: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecoveryErrorReport {
    pub file: Option<String>,
    pub offset: Option<u64>,
    pub reason: String,
}

/// The core's `recover()` on the image, summarized.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RecoveryReport {
    /// False when recovery could not be run (`error` says why).
    pub ran: bool,
    pub ok: bool,
    pub error: Option<RecoveryErrorReport>,
    pub last_zxid: Option<String>,
    /// The recovered tree's digest, `0x` and 16 hex digits.
    pub digest: Option<String>,
    pub nodes: Option<usize>,
    pub sessions: Option<usize>,
    pub snapshot_used: Option<String>,
    pub txns_replayed: u64,
    pub snapshots_rejected: Vec<RejectedSnapshot>,
    pub torn_tail: Option<TornTailReport>,
    pub accepted_epoch: Option<u32>,
    pub current_epoch: Option<u32>,
    /// An interrupted repair: recovery discards the directory.
    pub repairing: bool,
    /// Restored from a backup: the replica does not vote until synced.
    pub restored: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum VerdictStatus {
    #[serde(rename = "OK")]
    Ok,
    #[serde(rename = "TORN TAIL")]
    TornTail,
    #[serde(rename = "RECOVERABLE WITH LOSS")]
    RecoverableWithLoss,
    #[serde(rename = "DAMAGED")]
    Damaged,
}

impl VerdictStatus {
    pub fn label(self) -> &'static str {
        match self {
            VerdictStatus::Ok => "OK",
            VerdictStatus::TornTail => "TORN TAIL",
            VerdictStatus::RecoverableWithLoss => "RECOVERABLE WITH LOSS",
            VerdictStatus::Damaged => "DAMAGED",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub status: VerdictStatus,
    pub exit_code: u8,
    /// The zxid recovery will reach (`null` when it would refuse).
    pub last_zxid: Option<String>,
    /// One sentence.
    pub summary: String,
    /// The findings behind the verdict (those of its severity).
    pub reasons: Vec<Finding>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub directory: String,
    /// The database id the files are checked against.
    pub dbid: u64,
    /// Where it came from.
    pub dbid_source: String,
    pub files: Vec<FileReport>,
    /// Findings about the directory as a whole: continuity, coverage, epochs, cross-check.
    pub checks: Vec<Finding>,
    pub recovery: RecoveryReport,
    pub verdict: Verdict,
}
