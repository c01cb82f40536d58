//! The log format: header, framing, and generated logs read back whole.

use super::{arb_batches, arb_history, encode_log, set_synced, History, DBID};
use crate::codec::DecodeError;
use crate::ids::{Epoch, SessionId, Zxid};
use crate::persist::log_format::{
    align_up, decode_log_header, encode_log_header, encode_record, parse_record, FrameFault,
    LogRecord, FRAME_OVERHEAD_BYTES, LOG_HEADER_BYTES, SECTOR_BYTES,
};
use crate::persist::log_scan::{scan_log, LogFileImage};
use crate::persist::names::log_name;
use crate::txn::{Txn, TxnHeader};
use proptest::prelude::*;

fn record(counter: u32) -> LogRecord {
    let zxid = Zxid::new(Epoch(1), counter);
    LogRecord {
        prev_zxid: Zxid::new(Epoch(1), counter - 1),
        synced_zxid: Zxid::ZERO,
        header: TxnHeader {
            session: SessionId(7),
            cxid: counter,
            zxid,
            time_ms: 99,
        },
        txn: Txn::SetData {
            path: "/a".to_string(),
            data: vec![1, 2, 3],
            version: 4,
        }
        .into(),
    }
}

fn framed(record: &LogRecord) -> Vec<u8> {
    let mut bytes = Vec::new();
    encode_record(record, &mut bytes).expect("small record");
    bytes
}

#[test]
fn header_round_trips_and_names_its_damage() {
    let header = encode_log_header(DBID);
    assert_eq!(header.len(), LOG_HEADER_BYTES);
    assert_eq!(decode_log_header(&header), Ok(DBID));
    assert!(decode_log_header(&header[..LOG_HEADER_BYTES - 1])
        .unwrap_err()
        .contains("15 bytes"));
    let mut bad_magic = header.clone();
    bad_magic[0] ^= 0xff;
    assert!(decode_log_header(&bad_magic).unwrap_err().contains("magic"));
    let mut bad_version = header;
    bad_version[7] = 9;
    assert!(decode_log_header(&bad_version)
        .unwrap_err()
        .contains("version 9"));
}

#[test]
fn a_record_round_trips_and_reports_its_size() {
    let original = record(5);
    let mut bytes = vec![0xee; 3];
    bytes.extend(framed(&original));
    let (parsed, size) = parse_record(&bytes, 3).expect("intact record");
    assert_eq!(parsed, original);
    assert_eq!(size, bytes.len() - 3);
    assert_eq!(bytes.last(), Some(&0x42));
    let payload_len = u32::from_be_bytes([bytes[7], bytes[8], bytes[9], bytes[10]]) as usize;
    assert_eq!(size, payload_len + FRAME_OVERHEAD_BYTES);
}

/// Each kind of damage to one frame is named by its own fault.
#[test]
fn each_frame_fault_is_named() {
    let bytes = framed(&record(5));
    let check = |bytes: &[u8], expected: FrameFault| {
        assert_eq!(parse_record(bytes, 0).map(|_| ()), Err(expected));
    };
    check(&bytes[..7], FrameFault::Partial);
    check(&bytes[..bytes.len() - 1], FrameFault::Partial);
    check(&[0; 32], FrameFault::ZeroLength);
    let mut huge = bytes.clone();
    huge[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
    check(&huge, FrameFault::UnreasonableLength(u32::MAX));
    let mut no_marker = bytes.clone();
    *no_marker.last_mut().expect("non-empty") = 0;
    check(&no_marker, FrameFault::MissingEndMarker);
    let mut flipped = bytes.clone();
    flipped[20] ^= 1;
    check(&flipped, FrameFault::ChecksumMismatch);
    // A well-checksummed payload that is not a record: prev_zxid >= zxid.
    let mut backwards = record(5);
    backwards.prev_zxid = Zxid::new(Epoch(1), 4);
    let mut reordered = framed(&backwards);
    reordered[8..16].copy_from_slice(&Zxid::new(Epoch(1), 9).0.to_be_bytes());
    let crc = crc32c::crc32c(&reordered[4..reordered.len() - 1]);
    reordered[..4].copy_from_slice(&crc.to_be_bytes());
    assert!(matches!(
        parse_record(&reordered, 0),
        Err(FrameFault::Undecodable(DecodeError::Invalid { .. }))
    ));
    // Past the end of the buffer is partial, never a panic.
    assert_eq!(
        parse_record(&bytes, bytes.len() + 10).map(|_| ()),
        Err(FrameFault::Partial)
    );
}

#[test]
fn align_up_rounds_to_the_next_sector() {
    for (offset, aligned) in [(0, 0), (1, 512), (511, 512), (512, 512), (513, 1024)] {
        assert_eq!(align_up(offset), aligned);
    }
    assert_eq!(SECTOR_BYTES, 512);
}

/// Splits a history's records into files at batch boundaries (the writer rolls
/// only once the old file is durable) and encodes each.
fn files_of(history: &History, batches: &[usize], cuts: &[bool]) -> Vec<(String, Zxid, Vec<u8>)> {
    let mut files = Vec::new();
    let mut start = 0;
    let mut file_batches: Vec<usize> = Vec::new();
    for (index, size) in batches.iter().enumerate() {
        file_batches.push(*size);
        let last = index + 1 == batches.len();
        if last || cuts.get(index).copied().unwrap_or(false) {
            let count: usize = file_batches.iter().sum();
            let records = &history.records[start..start + count];
            let (bytes, _) = encode_log(DBID, records, &file_batches);
            let first = records[0].zxid();
            files.push((log_name(first), first, bytes));
            start += count;
            file_batches.clear();
        }
    }
    assert_eq!(start, history.records.len());
    files
}

fn history_and_batches() -> impl Strategy<Value = (History, Vec<usize>, Vec<bool>)> {
    arb_history(1, 40).prop_flat_map(|history| {
        let count = history.records.len();
        (
            Just(history),
            arb_batches(count),
            proptest::collection::vec(proptest::bool::weighted(0.2), count),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Generated logs, in one file or several, read back as exactly their records.
    #[test]
    fn generated_logs_scan_back_exactly((mut history, batches, cuts) in history_and_batches()) {
        set_synced(&mut history.records, &batches, Zxid::ZERO);
        let files = files_of(&history, &batches, &cuts);
        let images: Vec<LogFileImage<'_>> = files
            .iter()
            .map(|(name, first_zxid, bytes)| LogFileImage { name, first_zxid: *first_zxid, bytes })
            .collect();
        let scan = scan_log(&images, DBID).expect("an intact log is never corrupt");
        prop_assert_eq!(scan.torn_tail, None);
        prop_assert_eq!(&scan.records, &history.records);
    }

    /// Each record parses where it was written, with its exact size.
    #[test]
    fn every_record_parses_at_its_offset((mut history, batches, _cuts) in history_and_batches()) {
        set_synced(&mut history.records, &batches, Zxid::ZERO);
        let (bytes, spans) = encode_log(DBID, &history.records, &batches);
        for (record, span) in history.records.iter().zip(&spans) {
            let (parsed, size) = parse_record(&bytes, span.start).expect("intact");
            prop_assert_eq!(&parsed, record);
            prop_assert_eq!(size, span.end - span.start);
        }
    }
}
