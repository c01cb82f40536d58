//! `zksim datadir verify` and `dump` on real data directories written by
//! `LocalServer`, intact and with each kind of damage the virtual disk
//! (`disk.rs`) can inflict applied to the real files: a flipped bit, a write
//! cut short (truncation, a torn 512-byte sector of garbage or zeros), a lost
//! file; plus damaged epoch files and stray files.

use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use zksim::datadir::dump::{dump_dir, DumpOptions, FileDump};
use zksim::datadir::log_walk::walk_log;
use zksim::datadir::read::{read_dir, DirContents};
use zksim::datadir::verify::report::{FileStatus, Severity, VerdictStatus, VerifyReport};
use zksim::datadir::verify::{verify_contents, verify_dir, VerifyOptions};
use zksim::datadir::{DatadirArgs, DatadirCommand, DumpArgs, VerifyArgs};
use zksim::standalone::{LocalServer, LocalSession};
use zksim_core::ids::Zxid;
use zksim_core::peer::store::StoreConfig;
use zksim_core::persist::recover;
use zksim_core::request::{ClientOp, MultiOp, OpResult};
use zksim_core::tree::CreateMode;

const DBID: u64 = 0x5eed;
const SECTOR: usize = 512;

fn config() -> StoreConfig {
    StoreConfig {
        dbid: DBID,
        // Small numbers so a few dozen writes roll logs and take snapshots.
        snapshot_every_txns: 16,
        snapshot_chunk_nodes: 4,
        log_roll_bytes: 4096,
        snapshot_retain: 2,
        entropy: 3,
        ack_before_fsync: false,
        bugs: zksim_core::bugs::Bugs::none(),
    }
}

/// A directory the server wrote, and the last zxid it acknowledged.
struct Written {
    dir: tempfile::TempDir,
    last_zxid: Zxid,
}

fn create(
    local: &mut LocalServer,
    session: LocalSession,
    path: &str,
    data: &[u8],
    mode: CreateMode,
) {
    let op = ClientOp::Create {
        path: path.into(),
        data: data.to_vec(),
        mode,
    };
    let outcome = local.request(session, op).expect("answered");
    assert!(
        matches!(outcome, Ok(OpResult::Created { .. })),
        "{path}: {outcome:?}"
    );
}

/// Creates, setData, deletes, a multi, a failed write, sessions with
/// ephemerals (one closed, deleting them), and enough writes to roll the log
/// and take snapshots.
fn write_directory() -> Written {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut local, _) = LocalServer::open(dir.path(), config()).expect("opens");
    let alice = local.connect(10_000).expect("session");
    let bob = local.connect(10_000).expect("session");
    local.set_time_ms(1_000);
    create(
        &mut local,
        alice,
        "/app",
        b"config \xe2\x9c\x93",
        CreateMode::Persistent,
    );
    create(&mut local, bob, "/app/lock", b"bob", CreateMode::Ephemeral);
    create(
        &mut local,
        alice,
        "/app/blob",
        &[0xff; 100],
        CreateMode::Persistent,
    );
    for i in 0..40u64 {
        local.set_time_ms(2_000 + i);
        create(
            &mut local,
            alice,
            &format!("/app/n{i}"),
            &[b'a' + (i % 26) as u8; 40],
            CreateMode::Persistent,
        );
        let set = ClientOp::SetData {
            path: format!("/app/n{i}"),
            data: format!("value {i}").into_bytes(),
            version: 0,
        };
        local.request(alice, set).expect("answered").expect("set");
        if i % 5 == 0 {
            let delete = ClientOp::Delete {
                path: format!("/app/n{i}"),
                version: -1,
            };
            local
                .request(alice, delete)
                .expect("answered")
                .expect("deleted");
        }
    }
    let multi = ClientOp::Multi(vec![
        MultiOp::Check {
            path: "/app".into(),
            version: 0,
        },
        MultiOp::Create {
            path: "/app/m".into(),
            data: b"multi".to_vec(),
            mode: CreateMode::Persistent,
        },
    ]);
    local
        .request(alice, multi)
        .expect("answered")
        .expect("multi");
    let failed = ClientOp::Create {
        path: "/app".into(),
        data: Vec::new(),
        mode: CreateMode::Persistent,
    };
    assert!(local.request(alice, failed).expect("answered").is_err());
    local.close(bob).expect("answered").expect("closed");
    let last_zxid = local.server().last_zxid();
    assert_eq!(local.server().durable_zxid(), last_zxid);
    Written { dir, last_zxid }
}

/// One intact directory, written once, read into memory.
fn pristine() -> &'static (Written, DirContents) {
    static PRISTINE: OnceLock<(Written, DirContents)> = OnceLock::new();
    PRISTINE.get_or_init(|| {
        let written = write_directory();
        let contents = read_dir(written.dir.path()).expect("readable");
        (written, contents)
    })
}

fn names(prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = pristine()
        .1
        .files
        .keys()
        .filter(|name| name.starts_with(prefix))
        .cloned()
        .collect();
    names.sort();
    names
}

/// A copy of the intact directory, changed by `damage`, then verified.
fn verify_damaged(damage: impl FnOnce(&Path)) -> VerifyReport {
    let copy = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in &pristine().1.files {
        std::fs::write(copy.path().join(name), bytes).expect("copied");
    }
    damage(copy.path());
    let report = verify_dir(copy.path(), &VerifyOptions::default()).expect("readable");
    // Whatever the damage: if recovery refuses, verify does not say OK.
    let image = read_dir(copy.path()).expect("readable").files;
    if recover(&image, DBID).is_err() {
        assert_ne!(report.verdict.status, VerdictStatus::Ok);
    }
    report
}

fn edit(dir: &Path, name: &str, change: impl FnOnce(&mut Vec<u8>)) {
    let path: PathBuf = dir.join(name);
    let mut bytes = std::fs::read(&path).expect("readable");
    change(&mut bytes);
    std::fs::write(&path, bytes).expect("writable");
}

/// Byte offsets of the records of a log file.
fn record_offsets(name: &str) -> Vec<usize> {
    walk_log(&pristine().1.files[name])
        .records
        .iter()
        .map(|walked| walked.offset as usize)
        .collect()
}

/// The findings of one file, as text.
fn findings_of(report: &VerifyReport, name: &str) -> String {
    let file = report
        .files
        .iter()
        .find(|file| file.name == name)
        .expect("reported");
    let lines: Vec<String> = file.findings.iter().map(|f| f.located()).collect();
    lines.join("\n")
}

fn status_of(report: &VerifyReport, name: &str) -> FileStatus {
    report
        .files
        .iter()
        .find(|file| file.name == name)
        .expect("reported")
        .status
}

#[test]
fn an_intact_directory_is_ok_at_the_acknowledged_zxid() {
    let (written, _) = pristine();
    assert!(
        names("log.").len() >= 3,
        "the log rolled: {:?}",
        names("log.")
    );
    assert!(
        names("snapshot.").len() == 2,
        "snapshots taken and purged: {:?}",
        names("snapshot.")
    );
    let report = verify_dir(written.dir.path(), &VerifyOptions::default()).expect("readable");
    let text = zksim::datadir::verify::text::render(&report);
    assert_eq!(report.verdict.status, VerdictStatus::Ok, "{text}");
    assert_eq!(report.verdict.exit_code, 0);
    let last = written.last_zxid.to_string();
    assert_eq!(report.verdict.last_zxid.as_deref(), Some(last.as_str()));
    assert!(
        text.contains(&format!("OK: recovery will reach zxid {last}")),
        "{text}"
    );
    assert_eq!(report.recovery.last_zxid.as_deref(), Some(last.as_str()));
    assert!(report.recovery.snapshot_used.is_some());
    assert_eq!(report.dbid, DBID);
    for file in &report.files {
        assert_eq!(file.status, FileStatus::Ok, "{text}");
        assert!(file.worst() < Some(Severity::Warning), "{text}");
    }
    let json = serde_json::to_value(&report).expect("serializes");
    assert_eq!(json["verdict"]["status"], "OK");
    assert_eq!(json["verdict"]["last_zxid"], last.as_str());
}

#[test]
fn dump_shows_the_txns_and_the_tree() {
    let (written, _) = pristine();
    let document = dump_dir(written.dir.path(), &DumpOptions::default()).expect("readable");
    let text = zksim::datadir::dump::text::render(&document, false);
    let last_log = names("log.").pop().expect("a log");
    assert!(text.contains(&format!("== {last_log}: log")), "{text}");
    // The last txns: the multi, the failed create, bob's closeSession.
    assert!(text.contains("multi of 2 ops:"), "{text}");
    assert!(text.contains("1. check /app"), "{text}");
    assert!(text.contains("error NodeExists"), "{text}");
    assert!(
        text.contains("closeSession, deleting ephemerals /app/lock"),
        "{text}"
    );
    // The newest snapshot: bob's ephemeral and alice's binary blob.
    assert!(text.contains("ephemerals /app/lock"), "{text}");
    assert!(text.contains("/app/blob  data hex:ffff"), "{text}");
    assert!(text.contains("…"), "100-byte values are shortened: {text}");
    assert!(text.contains("\"config ✓\" (10 bytes)"), "{text}");
    assert!(text.contains("== currentEpoch: epoch 1"), "{text}");
    let full = zksim::datadir::dump::text::render(&document, true);
    assert!(full.contains(&format!("hex:{}", "ff".repeat(100))));
    let json = serde_json::to_value(&document).expect("serializes");
    let files = json["files"].as_array().expect("files");
    let log = files
        .iter()
        .rev()
        .find(|file| file["kind"] == "log")
        .expect("a log");
    let closing = log["records"]
        .as_array()
        .expect("records")
        .last()
        .expect("a record");
    assert_eq!(closing["zxid"], written.last_zxid.to_string().as_str());
    assert_eq!(closing["txn"]["type"], "closeSession");
    assert_eq!(closing["txn"]["ephemerals"][0]["path"], "/app/lock");
    let snapshot = files
        .iter()
        .find(|file| file["kind"] == "snapshot")
        .expect("a snapshot");
    assert_eq!(snapshot["sealed"], true);
    assert_eq!(snapshot["nodes"][0]["path"], "/");
}

#[test]
fn dump_of_one_file_and_of_a_missing_one() {
    let (written, _) = pristine();
    let name = names("snapshot.").pop().expect("a snapshot");
    let options = DumpOptions {
        file: Some(name.clone()),
        full: false,
    };
    let document = dump_dir(written.dir.path(), &options).expect("readable");
    assert_eq!(document.files.len(), 1);
    assert!(matches!(&document.files[0], FileDump::Snapshot(s) if s.name == name && s.sealed));
    let options = DumpOptions {
        file: Some("log.nope".into()),
        full: false,
    };
    let error = dump_dir(written.dir.path(), &options).expect_err("no such file");
    assert!(error.contains("no file named log.nope"), "{error}");
}

#[test]
fn a_flipped_bit_in_a_middle_record_is_damage_named_by_file_and_byte() {
    let log = names("log.")[1].clone();
    let at = record_offsets(&log)[1] + 20;
    let report = verify_damaged(|dir| edit(dir, &log, |bytes| bytes[at] ^= 0x04));
    assert_eq!(report.verdict.status, VerdictStatus::Damaged);
    assert_eq!(report.verdict.exit_code, 1);
    assert_eq!(status_of(&report, &log), FileStatus::Corrupt);
    let record = record_offsets(&log)[1];
    let findings = findings_of(&report, &log);
    assert!(
        findings.contains(&format!(
            "{log} at byte {record}: corrupt: checksum mismatch"
        )),
        "{findings}"
    );
    assert!(
        report.verdict.summary.contains(&log),
        "{}",
        report.verdict.summary
    );
}

#[test]
fn a_flipped_bit_in_the_last_record_is_damage_the_hint_exposes() {
    let log = names("log.").pop().expect("a log");
    let last = *record_offsets(&log).last().expect("records");
    let report = verify_damaged(|dir| edit(dir, &log, |bytes| bytes[last + 30] ^= 0x80));
    assert_eq!(report.verdict.status, VerdictStatus::Damaged);
    let findings = findings_of(&report, &log);
    assert!(
        findings.contains(&format!("{log} at byte {last}: damage, not a torn")),
        "{findings}"
    );
    assert!(findings.contains("syncedZxid says"), "{findings}");
    assert_eq!(status_of(&report, &log), FileStatus::Corrupt);
}

#[test]
fn a_log_cut_mid_record_without_a_durability_proof_is_a_torn_tail() {
    let log = names("log.").pop().expect("a log");
    let last = *record_offsets(&log).last().expect("records");
    let report = verify_damaged(|dir| {
        edit(dir, &log, |bytes| bytes.truncate(last + 25));
        // The crash came before the hint was rewritten: it proves nothing past the cut.
        std::fs::remove_file(dir.join("syncedZxid")).expect("removed");
    });
    assert_eq!(
        report.verdict.status,
        VerdictStatus::TornTail,
        "{}",
        report.verdict.summary
    );
    assert_eq!(report.verdict.exit_code, 1);
    assert_eq!(status_of(&report, &log), FileStatus::Torn);
    let findings = findings_of(&report, &log);
    assert!(
        findings.contains(&format!("{log} at byte {last}: torn tail")),
        "{findings}"
    );
    assert!(
        findings.contains(&format!("recovery truncates the file to {last} bytes")),
        "{findings}"
    );
    let torn = report.recovery.torn_tail.as_ref().expect("recovery agrees");
    assert_eq!(torn.valid_bytes, last as u64);
}

#[test]
fn a_log_cut_mid_record_that_the_hint_says_was_fsynced_is_damage() {
    let log = names("log.").pop().expect("a log");
    let last = *record_offsets(&log).last().expect("records");
    let report = verify_damaged(|dir| edit(dir, &log, |bytes| bytes.truncate(last + 25)));
    assert_eq!(report.verdict.status, VerdictStatus::Damaged);
    let findings = findings_of(&report, &log);
    assert!(
        findings.contains(&format!(
            "{log} at byte {last}: damage, not a torn tail: partial record"
        )),
        "{findings}"
    );
}

#[test]
fn a_torn_sector_after_the_log_end_is_a_torn_tail_recovery_truncates() {
    let log = names("log.").pop().expect("a log");
    let end = pristine().1.files[&log].len();
    assert_eq!(end % SECTOR, 0);
    let report = verify_damaged(|dir| {
        edit(dir, &log, |bytes| {
            bytes.extend((0..SECTOR).map(|i| (i * 7 + 1) as u8))
        })
    });
    assert_eq!(report.verdict.status, VerdictStatus::TornTail);
    let findings = findings_of(&report, &log);
    assert!(
        findings.contains(&format!("at byte {end}: torn tail")),
        "{findings}"
    );
    assert!(
        findings.contains(&format!("truncates the file to {end} bytes")),
        "{findings}"
    );
    let (written, _) = pristine();
    assert_eq!(
        report.verdict.last_zxid,
        Some(written.last_zxid.to_string())
    );
}

#[test]
fn a_zeroed_sector_mid_log_is_damage_at_that_sector() {
    let log = names("log.")[1].clone();
    let sector = record_offsets(&log)[2] / SECTOR * SECTOR;
    assert!(sector > 0);
    let report =
        verify_damaged(|dir| edit(dir, &log, |bytes| bytes[sector..sector + SECTOR].fill(0)));
    assert_eq!(report.verdict.status, VerdictStatus::Damaged);
    let findings = findings_of(&report, &log);
    assert!(
        findings.contains(&format!(
            "{log} at byte {sector}: corrupt: zero record length"
        )),
        "{findings}"
    );
}

#[test]
fn a_zeroed_last_sector_is_torn_without_the_hint_and_damage_with_it() {
    let log = names("log.").pop().expect("a log");
    let end = pristine().1.files[&log].len();
    let sector = end - SECTOR;
    let zero = |dir: &Path| edit(dir, &log, |bytes| bytes[sector..].fill(0));
    let report = verify_damaged(zero);
    assert_eq!(report.verdict.status, VerdictStatus::Damaged);
    assert!(
        findings_of(&report, &log).contains(&format!("at byte {sector}: damage, not a torn tail"))
    );
    let report = verify_damaged(|dir| {
        zero(dir);
        std::fs::remove_file(dir.join("syncedZxid")).expect("removed");
    });
    assert_eq!(report.verdict.status, VerdictStatus::TornTail);
    assert!(findings_of(&report, &log)
        .contains(&format!("at byte {sector}: torn tail: zero record length")));
}

#[test]
fn a_cut_snapshot_is_incomplete_and_recovery_falls_back() {
    let snapshots = names("snapshot.");
    let (older, newest) = (&snapshots[0], &snapshots[1]);
    let report = verify_damaged(|dir| edit(dir, newest, |bytes| bytes.truncate(bytes.len() / 2)));
    assert_eq!(
        report.verdict.status,
        VerdictStatus::TornTail,
        "{}",
        report.verdict.summary
    );
    assert_eq!(status_of(&report, newest), FileStatus::Incomplete);
    assert!(findings_of(&report, newest).contains("no seal at the end"));
    assert_eq!(report.recovery.snapshot_used.as_ref(), Some(older));
    let (written, _) = pristine();
    assert_eq!(
        report.verdict.last_zxid,
        Some(written.last_zxid.to_string())
    );
}

#[test]
fn a_zeroed_range_in_a_snapshot_makes_it_unusable() {
    let newest = names("snapshot.").pop().expect("a snapshot");
    let report =
        verify_damaged(|dir| edit(dir, &newest, |bytes| bytes[SECTOR..2 * SECTOR].fill(0)));
    assert_eq!(report.verdict.status, VerdictStatus::RecoverableWithLoss);
    assert_eq!(report.verdict.exit_code, 1);
    assert_eq!(status_of(&report, &newest), FileStatus::Unusable);
    let findings = findings_of(&report, &newest);
    assert!(findings.contains("seal checksum mismatch"), "{findings}");
    assert!(findings.contains("at or before byte"), "{findings}");
    assert_eq!(report.recovery.snapshots_rejected.len(), 1);
}

#[test]
fn every_snapshot_damaged_with_the_early_log_purged_is_damage() {
    let snapshots = names("snapshot.");
    let report = verify_damaged(|dir| {
        for name in &snapshots {
            edit(dir, name, |bytes| bytes.truncate(100));
        }
    });
    assert_eq!(report.verdict.status, VerdictStatus::Damaged);
    assert!(
        report.verdict.summary.contains("no usable snapshot"),
        "{}",
        report.verdict.summary
    );
}

#[test]
fn a_missing_log_file_is_a_gap_named_at_the_next_file() {
    let logs = names("log.");
    let (missing, next) = (logs[1].clone(), logs[2].clone());
    let report = verify_damaged(|dir| std::fs::remove_file(dir.join(&missing)).expect("removed"));
    assert_eq!(report.verdict.status, VerdictStatus::Damaged);
    assert_eq!(status_of(&report, &next), FileStatus::Corrupt);
    let gap = report
        .checks
        .iter()
        .find(|finding| finding.message.starts_with("gap:"))
        .expect("a gap is reported");
    assert_eq!(gap.file.as_ref(), Some(&next));
    assert_eq!(gap.offset, Some(16));
    assert_eq!(gap.severity, Severity::Damage);
}

/// A second name for a log file's zxid (an operator's copy, `log.<hex>`
/// without leading zeros): recovery refuses with an error naming both, the
/// server does not start, verify says DAMAGED, and no file is touched.
#[test]
fn two_names_for_one_log_zxid_refuse_to_start_and_lose_nothing() {
    let logs = names("log.");
    let original = logs[1].clone();
    let zxid = original.trim_start_matches("log.").trim_start_matches('0');
    let alias = format!("log.{zxid}");
    let copy = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in &pristine().1.files {
        std::fs::write(copy.path().join(name), bytes).expect("copied");
    }
    std::fs::copy(copy.path().join(&original), copy.path().join(&alias)).expect("copied");
    let before = read_dir(copy.path()).expect("readable").files;

    let report = verify_dir(copy.path(), &VerifyOptions::default()).expect("readable");
    assert_eq!(report.verdict.status, VerdictStatus::Damaged);
    let error = report.recovery.error.as_ref().expect("recovery refuses");
    assert!(
        error.reason.contains(&original) && error.reason.contains(&alias),
        "{}",
        error.reason
    );
    assert!(findings_of(&report, &alias).contains("names the same first zxid"));
    let refused = LocalServer::open(copy.path(), config())
        .err()
        .expect("refuses to start");
    assert!(refused.to_string().contains(&alias), "{refused}");

    let after = read_dir(copy.path()).expect("readable").files;
    assert_eq!(before, after, "verify and a refused start change nothing");
}

#[test]
fn damaged_epoch_files_are_named() {
    let report =
        verify_damaged(|dir| std::fs::write(dir.join("currentEpoch"), b"one\n").expect("written"));
    assert_eq!(report.verdict.status, VerdictStatus::Damaged);
    assert_eq!(status_of(&report, "currentEpoch"), FileStatus::Unusable);
    assert!(findings_of(&report, "currentEpoch").contains("expected a decimal epoch"));
    let report =
        verify_damaged(|dir| std::fs::write(dir.join("acceptedEpoch"), b"0\n").expect("written"));
    assert_eq!(report.verdict.status, VerdictStatus::Damaged);
    let check = report
        .checks
        .iter()
        .find(|f| f.severity == Severity::Damage)
        .expect("found");
    assert_eq!(check.file.as_deref(), Some("acceptedEpoch"));
    assert!(
        check.message.contains("less than currentEpoch"),
        "{}",
        check.message
    );
}

#[test]
fn a_stray_file_is_a_warning_and_still_ok() {
    let report =
        verify_damaged(|dir| std::fs::write(dir.join("notes.txt"), b"hello").expect("written"));
    assert_eq!(report.verdict.status, VerdictStatus::Ok);
    assert_eq!(report.verdict.exit_code, 0);
    assert_eq!(status_of(&report, "notes.txt"), FileStatus::Ignored);
    assert!(findings_of(&report, "notes.txt").contains("not a file the core writes"));
    assert!(
        report.verdict.summary.contains("1 warning"),
        "{}",
        report.verdict.summary
    );
}

#[test]
fn bad_input_exits_2_and_verdicts_exit_0_or_1() {
    let temp = tempfile::tempdir().expect("tempdir");
    let file = temp.path().join("plain");
    std::fs::write(&file, b"x").expect("written");
    let verify = |dir: PathBuf| {
        zksim::datadir::run(&DatadirArgs {
            command: DatadirCommand::Verify(VerifyArgs {
                dir,
                json: true,
                dbid: None,
            }),
        })
    };
    assert_eq!(verify(file.clone()), 2);
    assert_eq!(verify(temp.path().join("absent")), 2);
    assert_eq!(
        verify(temp.path().to_path_buf()),
        0,
        "an empty directory is an empty database"
    );
    let dump = zksim::datadir::run(&DatadirArgs {
        command: DatadirCommand::Dump(DumpArgs {
            dir: file,
            json: false,
            file: None,
            full: false,
        }),
    });
    assert_eq!(dump, 2);
}

/// A way the disk can damage a file (`disk.rs`): a flipped bit, a cut, or a
/// torn sector read back as zeros.
#[derive(Clone, Debug)]
enum Mutation {
    Flip { file: usize, at: usize, bit: u8 },
    Truncate { file: usize, at: usize },
    ZeroSector { file: usize, sector: usize },
    Remove { file: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), any::<usize>(), 0u8..8).prop_map(|(file, at, bit)| Mutation::Flip { file, at, bit }),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(file, at)| Mutation::Truncate { file, at }),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(file, sector)| Mutation::ZeroSector { file, sector }),
        1 => any::<usize>().prop_map(|file| Mutation::Remove { file }),
    ]
}

fn apply(contents: &mut DirContents, mutation: &Mutation) {
    let names: Vec<String> = contents.files.keys().cloned().collect();
    if names.is_empty() {
        return;
    }
    let pick = |file: usize| names[file % names.len()].clone();
    match mutation {
        Mutation::Flip { file, at, bit } => {
            let bytes = contents.files.get_mut(&pick(*file)).expect("present");
            if !bytes.is_empty() {
                let len = bytes.len();
                bytes[at % len] ^= 1 << bit;
            }
        }
        Mutation::Truncate { file, at } => {
            let bytes = contents.files.get_mut(&pick(*file)).expect("present");
            let len = bytes.len();
            bytes.truncate(at % (len + 1));
        }
        Mutation::ZeroSector { file, sector } => {
            let bytes = contents.files.get_mut(&pick(*file)).expect("present");
            let start = (sector % bytes.len().div_ceil(SECTOR).max(1)) * SECTOR;
            let end = (start + SECTOR).min(bytes.len());
            if start < end {
                bytes[start..end].fill(0);
            }
        }
        Mutation::Remove { file } => {
            contents.files.remove(&pick(*file));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// However the disk damages the directory, verify answers (never panics),
    /// never says OK when recovery refuses, agrees with recovery on the zxid it
    /// reaches, and dump shows whatever is left.
    #[test]
    fn verify_never_panics_and_never_calls_a_refused_directory_ok(
        mutations in proptest::collection::vec(mutation(), 1..4)
    ) {
        let mut contents = pristine().1.clone();
        for mutation in &mutations {
            apply(&mut contents, mutation);
        }
        let report = verify_contents("mutated", &contents, &VerifyOptions::default());
        let recovered = recover(&contents.files, DBID);
        match &recovered {
            Err(error) => {
                prop_assert_eq!(report.verdict.status, VerdictStatus::Damaged, "{}", error);
                prop_assert_eq!(report.verdict.exit_code, 1);
            }
            Ok(recovered) if report.verdict.status != VerdictStatus::Damaged => {
                let last = recovered.last_zxid.to_string();
                prop_assert_eq!(report.verdict.last_zxid.as_deref(), Some(last.as_str()));
            }
            Ok(_) => {}
        }
        if report.verdict.status == VerdictStatus::Ok {
            prop_assert!(recovered.is_ok());
            prop_assert_eq!(report.verdict.exit_code, 0);
        }
        // Verify's own expectations agree with what recovery did (a disagreement
        // is a bug in one of them).
        for finding in &report.checks {
            let disagrees = finding.message.starts_with("cross-check")
                && finding.severity == Severity::Warning;
            prop_assert!(!disagrees, "{}", finding.message);
            prop_assert!(!finding.message.contains("missed what recovery refuses"), "{}", finding.message);
        }
        let _text = zksim::datadir::verify::text::render(&report);
        prop_assert!(serde_json::to_string(&report).is_ok());
        let dumped = zksim::datadir::dump::dump_contents("mutated", &contents, &DumpOptions::default());
        prop_assert!(dumped.is_ok());
    }
}
