//! `scan_log` over damaged logs: each kind of damage has one specified outcome.
//!
//! The expected outcome is computed from where the records lie (their spans),
//! by the module's rule: a record that does not parse stops the scan if it
//! starts on a sector boundary; otherwise the scan resumes at the next
//! boundary, where either the file ends (nothing lost worth reporting), a
//! record starts (a chain break: corruption), or the scan stops.

use super::{arb_batches, arb_history, set_synced, History, OneFile, Span, DBID};
use crate::ids::Zxid;
use crate::persist::log_format::{align_up, encode_log_header, LOG_HEADER_BYTES, SECTOR_BYTES};
use crate::persist::log_scan::{scan_log, LogFileImage, LogScan, LogScanError};
use crate::persist::names::log_name;
use proptest::prelude::*;
use proptest::strategy::ValueTree;

/// What a scan must return for a log whose first damaged record is known.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Expect {
    /// Ok, no torn tail.
    Clean,
    /// Ok, torn at this many valid bytes.
    Torn(u64),
    /// Err: the damaged record at this offset was skipped as padding, and the
    /// record after it broke the chain (the error names the damaged record).
    Gap(u64),
}

/// The outcome when record `damaged` is the first one that no longer parses,
/// the file is `len` bytes long, and (if `later_intact`) every later record is intact.
fn expect_damage(spans: &[Span], damaged: usize, len: usize, later_intact: bool) -> Expect {
    let start = spans[damaged].start;
    if (start as u64).is_multiple_of(SECTOR_BYTES) {
        return Expect::Torn(start as u64);
    }
    let boundary = align_up(start as u64);
    if boundary >= len as u64 {
        return Expect::Clean;
    }
    let record_at_boundary = spans[damaged + 1..]
        .iter()
        .any(|span| span.start as u64 == boundary);
    if later_intact && record_at_boundary {
        return Expect::Gap(start as u64);
    }
    Expect::Torn(boundary)
}

fn check(
    scan: &Result<LogScan, String>,
    file: &OneFile,
    expect: &Expect,
    kept: usize,
    history: &History,
) {
    match expect {
        Expect::Gap(offset) => {
            let error = scan.as_ref().expect_err("a chain break is corruption");
            assert!(error.contains(&file.name), "{error}");
            assert!(error.contains(&format!("at byte {offset}")), "{error}");
            // The first record of a file is checked against the file's name instead.
            let named = kept == 0 && error.contains("but the file is named for");
            assert!(error.contains("gap in the log") || named, "{error}");
        }
        Expect::Clean | Expect::Torn(_) => {
            let scan = scan
                .as_ref()
                .expect("damage to the last batch is a torn tail");
            assert_eq!(scan.records, history.records[..kept]);
            match (expect, &scan.torn_tail) {
                (Expect::Clean, None) => {}
                (Expect::Torn(valid_bytes), Some(torn)) => {
                    assert_eq!(torn.file, file.name);
                    assert_eq!(torn.valid_bytes, *valid_bytes);
                    assert!(torn.dropped_files.is_empty());
                }
                (expect, torn) => panic!("expected {expect:?}, torn tail is {torn:?}"),
            }
        }
    }
}

fn scan_one(file: &OneFile, bytes: &[u8]) -> Result<LogScan, String> {
    scan_log(&[file.image(bytes)], DBID).map_err(|corruption| corruption.to_string())
}

/// A single-file log of a generated history, with its batches.
fn arb_log(max_records: usize) -> impl Strategy<Value = (History, Vec<usize>)> {
    arb_history(1, max_records).prop_flat_map(|history| {
        let count = history.records.len();
        (Just(history), arb_batches(count))
    })
}

fn encode((mut history, batches): (History, Vec<usize>)) -> (History, Vec<usize>, OneFile) {
    set_synced(&mut history.records, &batches, Zxid::ZERO);
    let file = OneFile::new(&history.records, &batches);
    (history, batches, file)
}

/// The outcome of cutting a log at `cut` bytes, or of zeroing it from `cut`
/// when `len` is longer. A cut at a record's start removes it cleanly; zeros
/// from its start leave a zeroed record behind, which the scan must meet.
fn expect_cut(file: &OneFile, cut: usize, len: usize) -> (Expect, usize) {
    if cut < LOG_HEADER_BYTES {
        return (Expect::Torn(0), 0);
    }
    let zero_filled = len > cut;
    let kept = file.spans.iter().take_while(|span| span.end <= cut).count();
    match file.spans.get(kept) {
        Some(span) if span.start < cut || zero_filled => {
            (expect_damage(&file.spans, kept, len, false), kept)
        }
        _ => (Expect::Clean, kept),
    }
}

/// Every cut of one fixed log, byte by byte.
#[test]
fn a_log_truncated_at_every_length_keeps_the_records_that_fit() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let tree = arb_log(24).new_tree(&mut runner).expect("a value");
    let (history, _batches, file) = encode(tree.current());
    assert!(
        file.bytes.len() > 2 * SECTOR_BYTES as usize,
        "spans several sectors"
    );
    for cut in 0..=file.bytes.len() {
        let (expect, kept) = expect_cut(&file, cut, cut);
        check(
            &scan_one(&file, &file.bytes[..cut]),
            &file,
            &expect,
            kept,
            &history,
        );
    }
}

/// The spec says a cut inside a record is reported as a torn tail. The scan
/// treats a partial record that starts mid-sector and ends the file within
/// that sector as padding: nothing is reported, the bytes stay in the file.
/// Harmless (the server never appends to a recovered log file), but it differs
/// from "torn_tail set iff bytes were cut mid-record"; this pins the behavior.
#[test]
fn a_partial_record_within_its_first_sector_is_treated_as_padding() {
    let history = History::build(&[super::Action::CreateSession], None);
    let file = OneFile::new(&history.records, &[1]);
    let span = file.spans[0];
    assert!(span.end < SECTOR_BYTES as usize && span.start == LOG_HEADER_BYTES);
    let scan = scan_one(&file, &file.bytes[..span.end - 1]).expect("not corrupt");
    assert!(scan.records.is_empty());
    assert_eq!(scan.torn_tail, None);
    // Reported as skipped, so a reader can tell the log may have held a record there.
    let skipped = scan.skipped_tail.expect("the partial record is reported");
    assert_eq!(
        (skipped.file.as_str(), skipped.offset),
        (file.name.as_str(), span.start as u64)
    );
    // The intact log reports nothing skipped (zero padding is not damage).
    let intact = scan_one(&file, &file.bytes).expect("intact");
    assert_eq!((intact.records.len(), intact.skipped_tail), (1, None));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn a_truncated_log_keeps_the_records_that_fit(log in arb_log(30), cut in any::<prop::sample::Index>()) {
        let (history, _batches, file) = encode(log);
        let cut = cut.index(file.bytes.len() + 1);
        let (expect, kept) = expect_cut(&file, cut, cut);
        check(&scan_one(&file, &file.bytes[..cut]), &file, &expect, kept, &history);
    }

    /// Zeros from anywhere in the last batch (lost sectors read as zeros).
    #[test]
    fn a_zero_filled_tail_keeps_a_prefix(log in arb_log(30), from in any::<prop::sample::Index>()) {
        let (history, _batches, file) = encode(log);
        let last_batch = file.spans.last().expect("records").batch;
        let batch_start = file.spans.iter().find(|span| span.batch == last_batch).expect("a record").start;
        let from = batch_start + from.index(file.bytes.len() - batch_start);
        let mut bytes = file.bytes.clone();
        bytes[from..].fill(0);
        let (expect, kept) = expect_cut(&file, from, bytes.len());
        check(&scan_one(&file, &bytes), &file, &expect, kept, &history);
    }

    /// Random bytes after the last fsynced (padded) batch: a torn tail, every record kept.
    #[test]
    fn a_garbage_tail_after_the_last_batch_is_torn(
        log in arb_log(30),
        garbage in proptest::collection::vec(any::<u8>(), 1..1200),
    ) {
        let (history, _batches, file) = encode(log);
        let mut bytes = file.bytes.clone();
        bytes.extend_from_slice(&garbage);
        let expect = Expect::Torn(file.bytes.len() as u64);
        check(&scan_one(&file, &bytes), &file, &expect, history.records.len(), &history);
    }

    /// A flipped bit in a record that a later batch proves durable is corruption,
    /// reported in this file between the record's start and the next sector boundary.
    #[test]
    fn a_flipped_bit_before_a_durable_batch_is_corruption(
        log in arb_log(30).prop_filter("two batches", |(_, batches)| batches.len() >= 2),
        which in any::<prop::sample::Index>(),
        byte in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let (_history, batches, file) = encode(log);
        let last_batch = batches.len() - 1;
        let durable: Vec<&Span> = file.spans.iter().filter(|span| span.batch < last_batch).collect();
        let span = *durable[which.index(durable.len())];
        let at = span.start + byte.index(span.end - span.start);
        let mut bytes = file.bytes.clone();
        bytes[at] ^= 1 << bit;
        let error = corruption(scan_log(&[file.image(&bytes)], DBID));
        prop_assert_eq!(&error.file, &file.name);
        prop_assert!(error.offset >= span.start as u64, "{}", error);
        prop_assert!(error.offset <= align_up(span.start as u64), "{}", error);
    }

    /// A flipped bit in the last batch, with nothing durable after it: the quiet
    /// truncation (or, when a later record of the batch starts exactly on the
    /// boundary the scan resumes at, a chain break).
    #[test]
    fn a_flipped_bit_in_the_last_batch_is_a_torn_tail(
        log in arb_log(30),
        which in any::<prop::sample::Index>(),
        byte in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let (history, batches, file) = encode(log);
        let last_batch = batches.len() - 1;
        let first = file.spans.iter().position(|span| span.batch == last_batch).expect("a record");
        let damaged = first + which.index(file.spans.len() - first);
        let span = file.spans[damaged];
        let at = span.start + byte.index(span.end - span.start);
        let mut bytes = file.bytes.clone();
        bytes[at] ^= 1 << bit;
        let expect = expect_damage(&file.spans, damaged, bytes.len(), true);
        let scan = scan_one(&file, &bytes);
        check(&scan, &file, &expect, damaged, &history);
        if expect == Expect::Clean {
            // Skipped to the end of the file: reported, not truncated.
            let skipped = scan.expect("clean").skipped_tail.expect("the skipped damage is reported");
            prop_assert_eq!(&skipped.file, &file.name);
            prop_assert_eq!(skipped.offset, span.start as u64);
        }
    }

    /// A record removed from the middle, framing intact: the next one names a
    /// predecessor that is not there.
    #[test]
    fn a_missing_record_is_a_gap(log in arb_log(30).prop_filter("three records", |(history, _)| history.records.len() >= 3), which in any::<prop::sample::Index>()) {
        let (mut history, _batches, _file) = encode(log);
        let removed = 1 + which.index(history.records.len() - 2);
        let missing = history.records.remove(removed);
        let file = OneFile::new(&history.records, &[history.records.len()]);
        let error = corruption(scan_log(&[file.image(&file.bytes)], DBID));
        prop_assert_eq!(&error.file, &file.name);
        prop_assert_eq!(error.offset, file.spans[removed].start as u64);
        prop_assert!(error.reason.contains("gap in the log"), "{}", error);
        prop_assert!(error.reason.contains(&missing.zxid().to_string()), "{}", error);
    }

    /// Arbitrary bytes, bare or behind a valid header, are a result, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(
        raw in proptest::collection::vec(any::<u8>(), 0..2048),
        with_header in any::<bool>(),
        first in any::<u64>(),
    ) {
        let mut bytes = if with_header { encode_log_header(DBID) } else { Vec::new() };
        bytes.extend_from_slice(&raw);
        let name = log_name(Zxid(first));
        let _ = scan_log(&[LogFileImage { name: &name, first_zxid: Zxid(first), bytes: &bytes }], DBID);
    }

    /// Arbitrary bytes with valid records scattered among them never panic either.
    #[test]
    fn records_amid_garbage_never_panic(
        log in arb_log(12),
        garbage in proptest::collection::vec((any::<prop::sample::Index>(), proptest::collection::vec(any::<u8>(), 1..64)), 0..6),
    ) {
        let (_history, _batches, file) = encode(log);
        let mut bytes = file.bytes.clone();
        for (at, junk) in garbage {
            let at = LOG_HEADER_BYTES + at.index(bytes.len() - LOG_HEADER_BYTES);
            let end = (at + junk.len()).min(bytes.len());
            bytes[at..end].copy_from_slice(&junk[..end - at]);
        }
        let _ = scan_one(&file, &bytes);
    }
}

fn two_files() -> (History, OneFile, OneFile) {
    use super::Action;
    let actions = vec![Action::CreateSession; 8];
    let mut history = History::build(&actions, None);
    let batches = [2, 2, 4];
    set_synced(&mut history.records, &batches, Zxid::ZERO);
    let first = OneFile::new(&history.records[..4], &batches[..2]);
    let second = OneFile::new(&history.records[4..], &batches[2..]);
    (history, first, second)
}

#[test]
fn a_damaged_header_of_the_last_file_drops_it() {
    let (history, first, second) = two_files();
    let mut damaged = second.bytes.clone();
    damaged[..LOG_HEADER_BYTES].fill(0);
    // The second file is one batch: nothing proves any of its records durable.
    let scan = scan_log(&[first.image(&first.bytes), second.image(&damaged)], DBID).expect("torn");
    assert_eq!(scan.records, history.records[..4]);
    let torn = scan.torn_tail.expect("torn tail");
    assert_eq!(torn.file, second.name);
    assert_eq!(torn.valid_bytes, 0);
    assert!(torn.reason.contains("damaged header"), "{}", torn.reason);
}

/// Damage in the first file, which the second file's records prove durable.
#[test]
fn a_damaged_durable_record_in_an_earlier_file_is_corruption() {
    let (_history, first, second) = two_files();
    // Record 2 starts the first file's second batch, on a sector boundary.
    let span = first.spans[2];
    assert!((span.start as u64).is_multiple_of(SECTOR_BYTES));
    let mut damaged = first.bytes.clone();
    damaged[span.start + 12] ^= 0x10;
    // The second file's records prove the first one's tail durable.
    let error = corruption(scan_log(
        &[first.image(&damaged), second.image(&second.bytes)],
        DBID,
    ));
    assert_eq!(error.file, first.name);
    assert_eq!(error.offset, span.start as u64);
    assert!(error.reason.contains(&second.name), "{error}");
}

/// Damage in the last batch of an earlier file, which no later record proves
/// durable: records that waited for the roll carry the `synced_zxid` of when
/// they were logged, before that batch's fsync completed. The next file's
/// existence is the proof (purge-under-load seed 2664: rot of the last record
/// of a log was truncated as a torn tail, and an acknowledged txn with it).
#[test]
fn damage_in_an_earlier_file_is_corruption_even_without_a_later_proof() {
    use super::Action;
    let actions = vec![Action::CreateSession; 8];
    let mut history = History::build(&actions, None);
    let batches = [2, 2, 4];
    set_synced(&mut history.records, &batches, Zxid::ZERO);
    let logged_during_fsync = history.records[1].zxid();
    for record in &mut history.records[4..] {
        record.synced_zxid = logged_during_fsync;
    }
    let first = OneFile::new(&history.records[..4], &batches[..2]);
    let second = OneFile::new(&history.records[4..], &batches[2..]);
    // Record 2 starts the first file's last batch, on a sector boundary.
    let span = first.spans[2];
    assert!((span.start as u64).is_multiple_of(SECTOR_BYTES));
    let mut damaged = first.bytes.clone();
    damaged[span.start + 12] ^= 0x10;
    let error = corruption(scan_log(
        &[first.image(&damaged), second.image(&second.bytes)],
        DBID,
    ));
    assert_eq!(error.file, first.name);
    assert_eq!(error.offset, span.start as u64);
    assert!(error.reason.contains(&second.name), "{error}");
    // The same damage with no later file is a torn tail.
    let scan = scan_log(&[first.image(&damaged)], DBID).expect("torn");
    assert_eq!(scan.records, history.records[..2]);
    let torn = scan.torn_tail.expect("torn tail");
    assert_eq!(torn.valid_bytes, span.start as u64);
}

/// The spec: a flipped bit in a durable record is an error naming the file
/// holding it. When the damaged record starts mid-sector in the last sector of
/// its file, the scan skips to the end of that file and reports a gap at the
/// first record of the *next* file instead: the error names an intact file.
#[test]
fn a_damaged_last_record_of_an_earlier_file_is_named_not_the_next_file() {
    let (_history, first, second) = two_files();
    let span = first.spans[3];
    assert!(!(span.start as u64).is_multiple_of(SECTOR_BYTES));
    assert_eq!(align_up(span.start as u64), first.bytes.len() as u64);
    let mut damaged = first.bytes.clone();
    damaged[span.start + 12] ^= 0x10;
    // Record 4 of the second file proves record 3 durable.
    let error = corruption(scan_log(
        &[first.image(&damaged), second.image(&second.bytes)],
        DBID,
    ));
    assert!(error.reason.contains("gap in the log"), "{error}");
    assert_eq!(error.file, first.name, "{error}");
}

#[test]
fn a_file_whose_first_record_differs_from_its_name_is_corruption() {
    let (_history, first, _second) = two_files();
    let misnamed = log_name(Zxid(first.first_zxid.0 + 1));
    let image = LogFileImage {
        name: &misnamed,
        first_zxid: Zxid(first.first_zxid.0 + 1),
        bytes: &first.bytes,
    };
    let error = corruption(scan_log(&[image], DBID));
    assert!(error.reason.contains("named for"), "{error}");
}

#[test]
fn a_log_of_another_database_is_corruption() {
    let (_history, first, _second) = two_files();
    let error = corruption(scan_log(&[first.image(&first.bytes)], DBID + 1));
    assert_eq!(error.offset, 0);
    assert!(error.reason.contains("database id"), "{error}");
}

/// The exception to "damage in the last batch is a torn tail": when the scan
/// resumes at a sector boundary where a later record of the batch starts, that
/// record names the damaged one as its predecessor, and the scan reports the
/// gap rather than dropping a record silently. (A crash cannot cause this: it
/// loses or tears whole sectors, and the damaged record shares its first sector
/// with the record before it. Only sub-sector damage such as bit rot can.)
#[test]
fn damage_before_a_record_on_the_next_boundary_is_a_gap_even_in_the_last_batch() {
    use super::Action;
    use crate::request::ClientOp;
    use crate::tree::CreateMode;
    let fitted = (0..600)
        .map(|size| {
            let create = ClientOp::Create {
                path: "/a".to_string(),
                data: vec![3; size],
                mode: CreateMode::Persistent,
            };
            let actions = [
                Action::CreateSession,
                Action::Write(0, create),
                Action::CreateSession,
            ];
            History::build(&actions, None)
        })
        .find(|history| OneFile::new(&history.records, &[3]).spans[2].start as u64 == SECTOR_BYTES)
        .expect("some data size puts record 2 on the first sector boundary");
    let file = OneFile::new(&fitted.records, &[3]);
    let mut bytes = file.bytes.clone();
    bytes[file.spans[1].start + 30] ^= 1;
    let expect = expect_damage(&file.spans, 1, bytes.len(), true);
    assert_eq!(expect, Expect::Gap(file.spans[1].start as u64));
    check(&scan_one(&file, &bytes), &file, &expect, 1, &fitted);
}

/// Another spelling of a log file's name that parses to the same zxid: no
/// leading zeros, upper-case hex. `classify` accepts both.
fn alias(first_zxid: Zxid) -> String {
    format!("log.{:X}", first_zxid.0)
}

/// `log.100` and `log.0000000000000100` both say "the log from 0x100 on": which
/// one continues the log is undefined. The scan refuses (it used to panic), and
/// names every file involved.
#[test]
fn two_files_naming_one_first_zxid_are_an_error_not_a_panic() {
    let (_history, first, second) = two_files();
    let other = alias(second.first_zxid);
    assert_ne!(other, second.name);
    let copy = LogFileImage {
        name: &other,
        first_zxid: second.first_zxid,
        bytes: &second.bytes,
    };
    let files = [first.image(&first.bytes), second.image(&second.bytes), copy];
    let error = scan_log(&files, DBID).expect_err("two files for one zxid");
    match &error {
        LogScanError::DuplicateFirstZxid { zxid, files } => {
            assert_eq!(*zxid, second.first_zxid);
            assert_eq!(files, &[second.name.clone(), other.clone()]);
        }
        LogScanError::Corrupt(corruption) => panic!("not corruption: {corruption}"),
    }
    let message = error.to_string();
    assert!(
        message.contains(&second.name) && message.contains(&other),
        "{message}"
    );
}

/// Three files: the first ends with zero padding, the middle one is given or
/// left out, the last one is whole. Each file's records: a batch of one, then
/// the rest, so the file's second batch proves its first record durable.
fn three_files() -> (History, [OneFile; 3]) {
    use super::Action;
    let mut history = History::build(&vec![Action::CreateSession; 9], None);
    let batches = [1, 2, 1, 2, 1, 2];
    set_synced(&mut history.records, &batches, Zxid::ZERO);
    let files = [
        OneFile::new(&history.records[..3], &batches[..2]),
        OneFile::new(&history.records[3..6], &batches[2..4]),
        OneFile::new(&history.records[6..], &batches[4..]),
    ];
    for file in &files {
        let last = file.spans.last().expect("records");
        assert!(
            last.end < file.bytes.len(),
            "the file ends with zero padding"
        );
        assert_eq!(file.spans[0].start, LOG_HEADER_BYTES);
        assert!(file.spans[1].start as u64 == SECTOR_BYTES);
    }
    (history, files)
}

/// Damage to the first record of a file (inside its first sector, after the
/// header) when the file before it ends with zero padding: the scan skips the
/// padding, then the damaged record, and the next record breaks the chain.
/// The error names the damaged record, not the padding the scan skipped first.
#[test]
fn damage_after_zero_padding_at_the_end_of_a_file_names_the_damaged_record() {
    let (_history, [first, second, third]) = three_files();
    let mut damaged = second.bytes.clone();
    damaged[second.spans[0].start + 12] ^= 0x10;
    let files = [
        first.image(&first.bytes),
        second.image(&damaged),
        third.image(&third.bytes),
    ];
    let error = corruption(scan_log(&files, DBID));
    assert_eq!(error.file, second.name, "{error}");
    assert_eq!(error.offset, LOG_HEADER_BYTES as u64, "{error}");
    assert!(error.reason.starts_with("checksum mismatch"), "{error}");
}

/// A whole file missing after one that ends with zero padding: the padding
/// held no record; the error names the first record after the gap.
#[test]
fn a_missing_file_after_zero_padding_names_the_record_after_the_gap() {
    let (history, [first, _second, third]) = three_files();
    let files = [first.image(&first.bytes), third.image(&third.bytes)];
    let error = corruption(scan_log(&files, DBID));
    assert_eq!(error.file, third.name, "{error}");
    assert_eq!(error.offset, LOG_HEADER_BYTES as u64, "{error}");
    assert!(error.reason.contains("gap in the log"), "{error}");
    assert!(
        error
            .reason
            .contains(&history.records[5].zxid().to_string()),
        "{error}"
    );
    assert!(
        error.reason.contains(&first.name),
        "says what was skipped: {error}"
    );
}

/// Damage to the first record of the first file, when the rest of its
/// sector ends the file: the next file's first record has no predecessor to
/// break the chain with. It used to be taken as the start of the log, and the
/// damaged file's records (proven durable by the next file) were dropped
/// without a word.
#[test]
fn damage_at_the_start_of_the_first_file_is_not_skipped_silently() {
    use super::Action;
    let mut history = History::build(&vec![Action::CreateSession; 4], None);
    let batches = [1, 3];
    set_synced(&mut history.records, &batches, Zxid::ZERO);
    let first = OneFile::new(&history.records[..1], &batches[..1]);
    let second = OneFile::new(&history.records[1..], &batches[1..]);
    assert_eq!(first.bytes.len() as u64, SECTOR_BYTES);
    let mut damaged = first.bytes.clone();
    damaged[LOG_HEADER_BYTES + 12] ^= 0x10;
    let files = [first.image(&damaged), second.image(&second.bytes)];
    let error = corruption(scan_log(&files, DBID));
    assert_eq!(error.file, first.name, "{error}");
    assert_eq!(error.offset, LOG_HEADER_BYTES as u64, "{error}");
    assert!(error.reason.contains("yields none"), "{error}");
}

/// A log in several files: a new file after each batch whose cut is true.
fn arb_files(max_records: usize) -> impl Strategy<Value = (History, Vec<usize>, Vec<bool>)> {
    arb_log(max_records).prop_flat_map(|(history, batches)| {
        let cuts = proptest::collection::vec(any::<bool>(), batches.len());
        (Just(history), Just(batches), cuts)
    })
}

/// The files of a generated log, each with the index of its first record
/// and of its first batch.
fn encode_files(history: &mut History, batches: &[usize], cuts: &[bool]) -> Vec<(OneFile, usize)> {
    set_synced(&mut history.records, batches, Zxid::ZERO);
    let mut files = Vec::new();
    let (mut first_record, mut first_batch) = (0, 0);
    for index in 0..batches.len() {
        if index + 1 == batches.len() || cuts[index] {
            let group = &batches[first_batch..=index];
            let count: usize = group.iter().sum();
            let records = &history.records[first_record..first_record + count];
            files.push((OneFile::new(records, group), first_record));
            first_record += count;
            first_batch = index + 1;
        }
    }
    assert_eq!(first_record, history.records.len());
    files
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    /// A flipped bit in any durable record of a log in several files is
    /// corruption, named in the file that holds the record, between the
    /// record's start and the next sector boundary (never in the zero padding
    /// that ends the file before it).
    #[test]
    fn a_flipped_bit_in_a_durable_record_of_any_file_is_named_in_that_file(
        (mut history, batches, cuts) in arb_files(30).prop_filter("two batches", |(_, batches, _)| batches.len() >= 2),
        which in any::<prop::sample::Index>(),
        byte in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let files = encode_files(&mut history, &batches, &cuts);
        let durable = history.records.len() - batches.last().expect("batches");
        let damaged = which.index(durable);
        let (file, first) = files.iter().rev().find(|(_, first)| *first <= damaged).expect("a file");
        let span = file.spans[damaged - first];
        let at = span.start + byte.index(span.end - span.start);
        let mut bytes = file.bytes.clone();
        bytes[at] ^= 1 << bit;
        let images: Vec<LogFileImage<'_>> = files
            .iter()
            .map(|(each, _)| if each.name == file.name { each.image(&bytes) } else { each.image(&each.bytes) })
            .collect();
        let error = corruption(scan_log(&images, DBID));
        prop_assert_eq!(&error.file, &file.name, "{}", error);
        prop_assert!(error.offset >= span.start as u64, "{}", error);
        prop_assert!(error.offset <= align_up(span.start as u64), "{}", error);
    }

    /// Any set of log files, some under a second name for the same zxid, is a
    /// result, never a panic; the error names every file that shares a zxid.
    #[test]
    fn aliased_file_names_are_an_error_never_a_panic(
        (mut history, batches, cuts) in arb_files(20),
        aliased in proptest::collection::vec(any::<bool>(), 1..8),
    ) {
        let files = encode_files(&mut history, &batches, &cuts);
        let aliases: Vec<(String, &OneFile)> = files
            .iter()
            .zip(aliased.iter().cycle())
            .filter(|(_, aliased)| **aliased)
            .map(|((file, _), _)| (alias(file.first_zxid), file))
            .collect();
        let mut images: Vec<LogFileImage<'_>> = files.iter().map(|(file, _)| file.image(&file.bytes)).collect();
        images.extend(aliases.iter().map(|(name, file)| LogFileImage { name, first_zxid: file.first_zxid, bytes: &file.bytes }));
        images.sort_by_key(|image| image.first_zxid);
        match scan_log(&images, DBID) {
            Err(LogScanError::DuplicateFirstZxid { zxid, files: named }) => {
                let (first_alias, file) = aliases.iter().min_by_key(|(_, file)| file.first_zxid).expect("an alias");
                prop_assert_eq!(zxid, file.first_zxid);
                prop_assert_eq!(named, vec![file.name.clone(), first_alias.clone()]);
            }
            other => {
                prop_assert!(aliases.is_empty(), "{:?}", other);
                prop_assert!(other.is_ok());
            }
        }
    }
}

fn corruption(scan: Result<LogScan, LogScanError>) -> crate::persist::log_scan::LogCorruption {
    match scan {
        Err(LogScanError::Corrupt(corruption)) => corruption,
        other => panic!("expected corruption, got {other:?}"),
    }
}
