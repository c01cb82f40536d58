//! Verify on hand-built images, for what a `LocalServer` directory rarely
//! shows: several records per fsync batch (so damage falls inside a sector),
//! a torn write left inside a sector, two names for one zxid, names that are
//! not UTF-8, an interrupted repair, another database's files.

use super::report::{FileStatus, Severity, VerdictStatus, VerifyReport};
use super::{verify_contents, VerifyOptions};
use crate::datadir::read::{DirContents, OtherEntry, OtherWhat};
use zksim_core::ids::{Epoch, SessionId, Zxid};
use zksim_core::persist::log_format::{align_up, encode_log_header, encode_record, LogRecord};
use zksim_core::persist::names::log_name;
use zksim_core::txn::{Txn, TxnHeader};

const DBID: u64 = 77;

fn zxid(counter: u32) -> Zxid {
    Zxid::new(Epoch(1), counter)
}

fn record(counter: u32, synced: u32) -> LogRecord {
    LogRecord {
        prev_zxid: if counter == 1 {
            Zxid::ZERO
        } else {
            zxid(counter - 1)
        },
        synced_zxid: if synced == 0 {
            Zxid::ZERO
        } else {
            zxid(synced)
        },
        header: TxnHeader {
            session: SessionId(9),
            cxid: counter,
            zxid: zxid(counter),
            time_ms: u64::from(counter),
        },
        txn: Txn::CreateSession { timeout_ms: 1000 }.into(),
    }
}

/// A log file of records `first..=last`, in fsync batches of `batch`, each
/// padded to a sector; each batch's records carry the previous batch's end as
/// their `synced_zxid`, as the writer does.
fn log_file(first: u32, last: u32, batch: u32) -> (String, Vec<u8>) {
    let mut bytes = encode_log_header(DBID);
    let mut synced = first - 1;
    for counter in first..=last {
        encode_record(&record(counter, synced), &mut bytes).expect("fits");
        if (counter - first + 1).is_multiple_of(batch) || counter == last {
            bytes.resize(align_up(bytes.len() as u64) as usize, 0);
            synced = counter;
        }
    }
    (log_name(zxid(first)), bytes)
}

fn image(files: Vec<(String, Vec<u8>)>) -> DirContents {
    let mut contents = DirContents::default();
    for (name, bytes) in files {
        contents.files.insert(name, bytes);
    }
    contents
        .files
        .insert("acceptedEpoch".into(), b"1\n".to_vec());
    contents
        .files
        .insert("currentEpoch".into(), b"1\n".to_vec());
    contents
}

fn verify(contents: &DirContents) -> VerifyReport {
    verify_contents("test", contents, &VerifyOptions::default())
}

fn has(report: &VerifyReport, severity: Severity, text: &str) -> bool {
    let files = report.files.iter().flat_map(|file| file.findings.iter());
    files
        .chain(report.checks.iter())
        .any(|finding| finding.severity == severity && finding.located().contains(text))
}

#[test]
fn an_empty_directory_is_an_empty_database() {
    let report = verify(&DirContents::default());
    assert_eq!(report.verdict.status, VerdictStatus::Ok);
    assert_eq!(report.verdict.last_zxid.as_deref(), Some("0x0"));
    assert!(has(&report, Severity::Info, "an empty database"));
}

#[test]
fn a_log_from_the_beginning_needs_no_snapshot() {
    let report = verify(&image(vec![log_file(1, 9, 4), log_file(10, 12, 2)]));
    assert_eq!(
        report.verdict.status,
        VerdictStatus::Ok,
        "{:?}",
        report.checks
    );
    assert_eq!(report.verdict.last_zxid, Some(zxid(12).to_string()));
    assert!(has(
        &report,
        Severity::Info,
        "replays the log from the first txn"
    ));
    assert!(has(&report, Severity::Info, "log chain intact: 12 txns"));
}

#[test]
fn a_record_cut_inside_a_sector_at_the_end_is_a_torn_tail_left_in_place() {
    let (name, mut bytes) = log_file(1, 6, 3);
    let walk = crate::datadir::log_walk::walk_log(&bytes);
    let last = &walk.records[5];
    assert!(!last.offset.is_multiple_of(512), "inside a sector");
    bytes.truncate(last.offset as usize + 10);
    let report = verify(&image(vec![(name.clone(), bytes)]));
    assert_eq!(report.verdict.status, VerdictStatus::TornTail);
    assert!(has(
        &report,
        Severity::Torn,
        "the next write starts a new log file"
    ));
    assert!(has(
        &report,
        Severity::Torn,
        &format!("{name} at byte {}", last.offset)
    ));
    assert!(
        report.recovery.torn_tail.is_none(),
        "recovery reads past it"
    );
    assert_eq!(report.verdict.last_zxid, Some(zxid(5).to_string()));
}

#[test]
fn the_remains_of_an_old_torn_write_mid_log_are_a_note() {
    let (first, mut bytes) = log_file(1, 6, 3);
    let walk = crate::datadir::log_walk::walk_log(&bytes);
    // Record 6 was torn; recovery cut the file at the sector boundary after it,
    // and the log went on in a new file from 6 again.
    let torn = walk.records[5].offset as usize;
    bytes[torn + 12] ^= 0xff;
    let report = verify(&image(vec![(first.clone(), bytes), log_file(6, 8, 3)]));
    assert_eq!(
        report.verdict.status,
        VerdictStatus::Ok,
        "{:?}",
        report.files[0].findings
    );
    assert!(has(
        &report,
        Severity::Info,
        "remains of an earlier torn write"
    ));
    assert_eq!(report.verdict.last_zxid, Some(zxid(8).to_string()));
}

#[test]
fn damage_inside_a_sector_before_more_records_is_corruption() {
    let (name, mut bytes) = log_file(1, 9, 3);
    let walk = crate::datadir::log_walk::walk_log(&bytes);
    let damaged = walk.records[1].offset as usize;
    bytes[damaged + 20] ^= 0x01;
    let report = verify(&image(vec![(name.clone(), bytes)]));
    assert_eq!(report.verdict.status, VerdictStatus::Damaged);
    assert_eq!(report.files[0].status, FileStatus::Corrupt);
    assert!(has(
        &report,
        Severity::Damage,
        &format!("{name} at byte {damaged}: corrupt: checksum mismatch")
    ));
}

#[test]
fn two_names_for_one_zxid_are_damage_and_recovery_refuses_them() {
    let (name, bytes) = log_file(1, 3, 3);
    let mut contents = image(vec![(name.clone(), bytes.clone())]);
    contents.files.insert("log.100000001".into(), bytes);
    let report = verify(&contents);
    assert_eq!(report.verdict.status, VerdictStatus::Damaged);
    assert!(report.recovery.ran);
    let error = report.recovery.error.as_ref().expect("recovery refuses");
    assert_eq!(error.file.as_deref(), Some("log.100000001"));
    assert!(error.reason.contains(&name), "{}", error.reason);
    assert!(
        report.verdict.summary.contains("order is undefined"),
        "{}",
        report.verdict.summary
    );
    assert!(has(&report, Severity::Damage, "names the same first zxid"));
    assert!(has(
        &report,
        Severity::Warning,
        "not the name the core gives it"
    ));
}

#[test]
fn a_name_that_is_not_utf8_stops_the_server() {
    let mut contents = image(vec![log_file(1, 3, 3)]);
    contents.others.push(OtherEntry {
        name: "bad\u{fffd}".into(),
        what: OtherWhat::NonUtf8Name,
    });
    contents.others.push(OtherEntry {
        name: "sub".into(),
        what: OtherWhat::Directory,
    });
    let report = verify(&contents);
    assert_eq!(report.verdict.status, VerdictStatus::Damaged);
    assert!(report.recovery.ok, "recovery itself would read the rest");
    assert!(has(&report, Severity::Damage, "not UTF-8"));
    assert!(has(&report, Severity::Warning, "sub: not a regular file"));
}

#[test]
fn an_interrupted_repair_discards_the_directory() {
    let mut contents = image(vec![log_file(1, 3, 3)]);
    contents.files.insert("repairing".into(), b"0\n".to_vec());
    let report = verify(&contents);
    assert_eq!(report.verdict.status, VerdictStatus::RecoverableWithLoss);
    assert!(report.recovery.repairing);
    assert!(has(
        &report,
        Severity::Loss,
        "a rebuild from the leader was cut short"
    ));
}

#[test]
fn another_databases_log_is_damage() {
    let (name, mut bytes) = log_file(1, 3, 3);
    bytes[8..16].copy_from_slice(&5u64.to_be_bytes());
    let contents = image(vec![(name, bytes), log_file(4, 6, 3)]);
    let report = verify(&contents);
    assert_eq!(report.verdict.status, VerdictStatus::Damaged);
    assert!(
        report.dbid_source.contains("other id"),
        "{}",
        report.dbid_source
    );
    assert!(has(
        &report,
        Severity::Damage,
        "database id 5 differs from this node's 77"
    ));
    let forced = VerifyOptions { dbid: Some(5) };
    let report = verify_contents("test", &contents, &forced);
    assert_eq!(report.dbid, 5);
    assert_eq!(report.verdict.status, VerdictStatus::Damaged);
}

/// The first file ends with zero padding; the second's first record (inside
/// its first sector, after the header) is damaged, and its second batch proves
/// it durable. Recovery and verify both name the damaged record, and agree.
#[test]
fn damage_after_a_file_ending_in_padding_is_named_in_its_own_file() {
    let (first, first_bytes) = log_file(1, 3, 3);
    let (second, mut second_bytes) = log_file(4, 6, 1);
    let header = zksim_core::persist::log_format::LOG_HEADER_BYTES;
    second_bytes[header + 12] ^= 0x10;
    let report = verify(&image(vec![
        (first.clone(), first_bytes),
        (second.clone(), second_bytes),
    ]));
    assert_eq!(report.verdict.status, VerdictStatus::Damaged);
    let error = report.recovery.error.as_ref().expect("recovery refuses");
    assert_eq!(error.file.as_deref(), Some(second.as_str()));
    assert_eq!(error.offset, Some(header as u64));
    let status = |name: &str| {
        report
            .files
            .iter()
            .find(|file| file.name == name)
            .map(|file| file.status)
    };
    assert_eq!(status(&first), Some(FileStatus::Ok));
    assert_eq!(status(&second), Some(FileStatus::Corrupt));
    assert!(has(
        &report,
        Severity::Info,
        "cross-check: verify's own checks found this damage too"
    ));
}
