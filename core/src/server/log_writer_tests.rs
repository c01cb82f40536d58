//! The log writer's requests, as the disk sees them: one write and one fsync
//! per group commit, records in order, batches padded to a sector boundary,
//! and a new file only once the old one is durable.

use super::log_writer::LogWriter;
use crate::ids::{Epoch, Zxid};
use crate::io::DiskOp;
use crate::persist::log_format::{align_up, LOG_HEADER_BYTES, SECTOR_BYTES};
use crate::server::disk_queue::{DiskQueue, IoTag};
use crate::server::messages::Output;

fn zxid(counter: u32) -> Zxid {
    Zxid::new(Epoch(1), counter)
}

fn record(counter: u32, len: usize) -> Vec<u8> {
    vec![counter as u8; len]
}

/// The disk requests in `outputs`, drained.
fn requests(outputs: &mut Vec<Output>) -> Vec<DiskOp> {
    outputs
        .drain(..)
        .map(|output| match output {
            Output::Disk { op, .. } => op,
            other => panic!("the log writer only issues disk requests, not {other:?}"),
        })
        .collect()
}

fn kinds(ops: &[DiskOp]) -> Vec<&'static str> {
    ops.iter().map(DiskOp::kind).collect()
}

#[test]
fn records_appended_during_an_fsync_go_out_as_one_padded_write() {
    let mut writer = LogWriter::new(7, 1 << 20, Zxid::ZERO);
    let (mut disk, mut outputs) = (DiskQueue::default(), Vec::new());
    let rolled = writer.append(zxid(1), record(1, 100), &mut disk, &mut outputs);
    assert!(rolled.is_some(), "the first record opens a file");
    let first = requests(&mut outputs);
    assert_eq!(
        kinds(&first),
        ["create", "write", "write", "fsync", "fsync-dir"]
    );
    for counter in 2..=4 {
        writer.append(zxid(counter), record(counter, 100), &mut disk, &mut outputs);
    }
    assert!(
        outputs.is_empty(),
        "nothing is written while an fsync is in flight"
    );
    assert!(writer
        .on_durable(zxid(1), &mut disk, &mut outputs)
        .is_none());
    let second = requests(&mut outputs);
    assert_eq!(kinds(&second), ["write", "fsync"]);
    let DiskOp::Write { offset, data, .. } = &second[0] else {
        unreachable!()
    };
    let start = align_up(LOG_HEADER_BYTES as u64 + 100);
    assert_eq!(
        *offset, start,
        "the batch starts at the sector after the last"
    );
    assert_eq!(
        data.len() as u64,
        align_up(300),
        "padded to a sector boundary"
    );
    assert_eq!(&data[..100], &record(2, 100)[..]);
    assert_eq!(&data[200..300], &record(4, 100)[..]);
    assert!(data[300..].iter().all(|byte| *byte == 0));
    assert!(writer
        .on_durable(zxid(4), &mut disk, &mut outputs)
        .is_none());
    assert!(outputs.is_empty() && writer.is_idle());
    writer.check_invariants();
}

#[test]
fn the_batch_write_tags_its_last_zxid() {
    let mut writer = LogWriter::new(7, 1 << 20, Zxid::ZERO);
    let (mut disk, mut outputs) = (DiskQueue::default(), Vec::new());
    writer.append(zxid(1), record(1, 10), &mut disk, &mut outputs);
    writer.append(zxid(2), record(2, 10), &mut disk, &mut outputs);
    writer.append(zxid(3), record(3, 10), &mut disk, &mut outputs);
    requests(&mut outputs);
    let tags: Vec<IoTag> = (0..disk.len()).map(|_| disk.pop_tag_for_test()).collect();
    assert_eq!(tags[2], IoTag::LogWrite { zxid: zxid(1) });
    assert_eq!(tags[4], IoTag::LogDurable { zxid: zxid(1) });
    writer.on_durable(zxid(1), &mut disk, &mut outputs);
    requests(&mut outputs);
    assert_eq!(disk.pop_tag_for_test(), IoTag::LogWrite { zxid: zxid(3) });
    assert_eq!(disk.pop_tag_for_test(), IoTag::LogDurable { zxid: zxid(3) });
}

#[test]
fn a_roll_waits_for_the_old_file_to_be_durable() {
    let roll_bytes = 2 * SECTOR_BYTES;
    let mut writer = LogWriter::new(7, roll_bytes, Zxid::ZERO);
    let (mut disk, mut outputs) = (DiskQueue::default(), Vec::new());
    writer.append(zxid(1), record(1, 100), &mut disk, &mut outputs);
    let old = writer.active_file().expect("a file is open").to_owned();
    requests(&mut outputs);
    // Fills the old file past the roll size while its first fsync is in flight.
    writer.append(zxid(2), record(2, 600), &mut disk, &mut outputs);
    writer.append(zxid(3), record(3, 50), &mut disk, &mut outputs);
    assert!(outputs.is_empty());
    assert!(writer
        .on_durable(zxid(1), &mut disk, &mut outputs)
        .is_none());
    let flushed = requests(&mut outputs);
    assert_eq!(
        kinds(&flushed),
        ["write", "fsync"],
        "record 2 ends the old file"
    );
    assert!(matches!(&flushed[0], DiskOp::Write { file, .. } if *file == old));
    let rolled = writer
        .on_durable(zxid(2), &mut disk, &mut outputs)
        .expect("the old file is durable, so the new one starts");
    assert_eq!(rolled.first_zxid, zxid(3));
    assert_ne!(rolled.name, old);
    let new = requests(&mut outputs);
    assert_eq!(
        kinds(&new),
        ["create", "write", "write", "fsync", "fsync-dir"]
    );
    writer.check_invariants();
}
