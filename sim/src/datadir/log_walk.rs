//! One log file, record by record, exactly as the core's scan reads it: a
//! record that does not parse at an offset inside a sector is padding (or the
//! remains of a torn batch) and the walk resumes at the next sector boundary;
//! one that does not parse on a sector boundary ends the file's readable part.
//!
//! The scan (`log_scan.rs`) keeps only what recovery needs; the tools need
//! where each record sits and what was skipped, so the walk keeps offsets.
//! And where recovery stops reading, the walk goes on from the next sector
//! boundary, so the tools can show what lies beyond the damage (flagged).
//! Every decision is the core's own `parse_record`, `align_up` and `SECTOR_BYTES`.

use zksim_core::persist::log_format::{
    align_up, decode_log_header, parse_record, FrameFault, LogRecord, LOG_HEADER_BYTES,
    SECTOR_BYTES,
};

/// A record and where it sits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalkedRecord {
    pub offset: u64,
    /// Bytes of the framed record.
    pub size: u64,
    pub record: LogRecord,
    /// After the first stop: recovery never reads it.
    pub after_stop: bool,
}

/// Bytes that do not parse, from an offset inside a sector to the next
/// boundary (or the end of the file): skipped, as the scan skips them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unparsed {
    pub offset: u64,
    pub end: u64,
    pub fault: FrameFault,
    /// All zeros: the padding each fsync batch ends with.
    pub zeros: bool,
}

/// Where a file stops parsing on a sector boundary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stop {
    pub offset: u64,
    pub fault: FrameFault,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogWalk {
    /// The database id of an intact header, or why it is not one.
    pub header: Result<u64, String>,
    pub records: Vec<WalkedRecord>,
    pub unparsed: Vec<Unparsed>,
    /// Each place the file stops parsing on a sector boundary; recovery reads
    /// up to the first, the walk resumes at the next boundary after each.
    pub stops: Vec<Stop>,
    pub len: u64,
}

impl LogWalk {
    /// Where recovery stops reading this file, if it does.
    pub fn first_stop(&self) -> Option<&Stop> {
        self.stops.first()
    }

    /// The records recovery reads (those before the first stop).
    pub fn readable(&self) -> impl Iterator<Item = &WalkedRecord> {
        self.records.iter().filter(|walked| !walked.after_stop)
    }

    /// Unparsed regions that are not plain zero padding.
    pub fn remains(&self) -> impl Iterator<Item = &Unparsed> {
        self.unparsed.iter().filter(|region| !region.zeros)
    }
}

/// Walks every record of `bytes` (a whole log file); the header is decoded
/// apart, and a damaged header does not stop the walk.
pub fn walk_log(bytes: &[u8]) -> LogWalk {
    let len = bytes.len() as u64;
    let mut walk = LogWalk {
        header: decode_log_header(bytes),
        records: Vec::new(),
        unparsed: Vec::new(),
        stops: Vec::new(),
        len,
    };
    let mut offset = LOG_HEADER_BYTES as u64;
    while offset < len {
        let before = offset;
        offset = step(bytes, offset, &mut walk);
        assert!(offset > before, "the walk always moves forward");
    }
    assert!(walk.records.len() as u64 <= len, "each record takes bytes");
    walk
}

/// Reads what is at `offset` into `walk`; returns where to go on.
fn step(bytes: &[u8], offset: u64, walk: &mut LogWalk) -> u64 {
    let len = bytes.len() as u64;
    match parse_record(bytes, offset as usize) {
        Ok((record, size)) => {
            walk.records.push(WalkedRecord {
                offset,
                size: size as u64,
                record,
                after_stop: !walk.stops.is_empty(),
            });
            offset + size as u64
        }
        Err(fault) if !offset.is_multiple_of(SECTOR_BYTES) => {
            let end = align_up(offset).min(len);
            let zeros = bytes[offset as usize..end as usize].iter().all(|b| *b == 0);
            walk.unparsed.push(Unparsed {
                offset,
                end,
                fault,
                zeros,
            });
            end
        }
        Err(fault) => {
            walk.stops.push(Stop { offset, fault });
            align_up(offset + 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zksim_core::ids::{Epoch, SessionId, Zxid};
    use zksim_core::persist::log_format::{encode_log_header, encode_record};
    use zksim_core::txn::{Txn, TxnHeader};

    fn record(counter: u32) -> LogRecord {
        let zxid = Zxid::new(Epoch(1), counter);
        LogRecord {
            prev_zxid: Zxid::new(Epoch(1), counter - 1),
            synced_zxid: Zxid::ZERO,
            header: TxnHeader {
                session: SessionId(5),
                cxid: counter,
                zxid,
                time_ms: 0,
            },
            txn: Txn::CreateSession { timeout_ms: 100 }.into(),
        }
    }

    /// A header and three batches of two records, each padded to a sector.
    fn three_batches() -> Vec<u8> {
        let mut bytes = encode_log_header(9);
        for counter in 1..=6 {
            encode_record(&record(counter), &mut bytes).expect("fits");
            if counter % 2 == 0 {
                bytes.resize(align_up(bytes.len() as u64) as usize, 0);
            }
        }
        bytes
    }

    #[test]
    fn an_intact_file_walks_to_its_end() {
        let bytes = three_batches();
        let walk = walk_log(&bytes);
        assert_eq!(walk.header, Ok(9));
        assert_eq!(walk.records.len(), 6);
        assert_eq!(walk.records[0].offset, LOG_HEADER_BYTES as u64);
        assert_eq!(walk.records[2].offset, SECTOR_BYTES);
        assert!(walk.stops.is_empty());
        assert_eq!(walk.remains().count(), 0, "{:?}", walk.unparsed);
        assert_eq!(walk.unparsed.len(), 3, "three batches, three paddings");
    }

    #[test]
    fn damage_inside_a_sector_is_skipped_and_on_a_boundary_stops() {
        let mut bytes = three_batches();
        let second = walk_log(&bytes).records[1].offset as usize;
        bytes[second + 10] ^= 1;
        bytes[SECTOR_BYTES as usize + 10] ^= 1;
        let walk = walk_log(&bytes);
        assert_eq!(walk.readable().count(), 1);
        assert_eq!(walk.records.len(), 3, "the walk goes on past the stop");
        assert!(walk.records[1].after_stop);
        assert_eq!(walk.records[1].offset, 2 * SECTOR_BYTES);
        let remains: Vec<&Unparsed> = walk.remains().collect();
        assert_eq!(remains.len(), 1);
        assert_eq!(remains[0].offset, second as u64);
        assert_eq!(remains[0].fault, FrameFault::ChecksumMismatch);
        assert_eq!(
            walk.first_stop(),
            Some(&Stop {
                offset: SECTOR_BYTES,
                fault: FrameFault::ChecksumMismatch
            })
        );
    }

    #[test]
    fn garbage_and_short_files_never_panic() {
        for len in [0usize, 3, 16, 17, 600] {
            let bytes = vec![0xa5; len];
            let walk = walk_log(&bytes);
            assert!(walk.header.is_err());
            assert!(walk.records.is_empty());
        }
    }
}
