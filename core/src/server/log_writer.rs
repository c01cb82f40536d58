//! The txn log writer: appends records, group-commits them with one fsync in
//! flight at a time, and rolls to a new file.
//!
//! Records appended while an fsync is in flight wait in memory (as in
//! ZooKeeper's buffered log stream); when it completes, they go to the disk as
//! one write, padding included, followed by the next fsync. A group commit is
//! thus one write and one fsync, whatever the number of its records.
//!
//! Ordering rules, each needed for recovery to tell a torn tail from corruption:
//! - a new file is started only once every byte of the old one is durable, so
//!   a torn tail can only ever be in the last file;
//! - a new file's name is made durable (fsync of the directory) before any of
//!   its records is reported durable;
//! - each batch is padded with zeros to a sector boundary before its fsync, so
//!   no later write touches a sector holding durable bytes (a crash may tear
//!   any sector it finds being written).

use crate::ids::Zxid;
use crate::io::DiskOp;
use crate::persist::log_format::{align_up, encode_log_header, LOG_HEADER_BYTES, SECTOR_BYTES};
use crate::persist::names::log_name;
use crate::server::disk_queue::{DiskQueue, IoTag};
use crate::server::messages::Output;

#[derive(Debug)]
struct ActiveFile {
    name: String,
    offset: u64,
    dir_synced: bool,
}

#[derive(Debug)]
pub struct LogWriter {
    dbid: u64,
    roll_bytes: u64,
    active: Option<ActiveFile>,
    roll_requested: bool,
    /// The last zxid handed to the log (written, or waiting in `batch`).
    written: Zxid,
    /// The last zxid whose fsync completed.
    durable: Zxid,
    fsync_in_flight: Option<Zxid>,
    /// Records waiting for a roll to finish.
    buffered: Vec<(Zxid, Vec<u8>)>,
    /// Records of the active file waiting for the fsync in flight to finish,
    /// to be written as one request.
    batch: Vec<u8>,
}

/// A file the writer just started, for the server's file set.
pub struct Rolled {
    pub first_zxid: Zxid,
    pub name: String,
}

impl LogWriter {
    /// A writer whose log is durable up to `durable`; the first append starts a new file.
    pub fn new(dbid: u64, roll_bytes: u64, durable: Zxid) -> LogWriter {
        assert!(roll_bytes >= LOG_HEADER_BYTES as u64);
        LogWriter {
            dbid,
            roll_bytes,
            active: None,
            roll_requested: false,
            written: durable,
            durable,
            fsync_in_flight: None,
            buffered: Vec::new(),
            batch: Vec::new(),
        }
    }

    pub fn durable(&self) -> Zxid {
        self.durable
    }

    pub fn active_file(&self) -> Option<&str> {
        self.active.as_ref().map(|file| file.name.as_str())
    }

    /// Asks for the next record to go to a new file.
    pub fn request_roll(&mut self) {
        self.roll_requested = true;
    }

    pub fn append(
        &mut self,
        zxid: Zxid,
        bytes: Vec<u8>,
        disk: &mut DiskQueue,
        outputs: &mut Vec<Output>,
    ) -> Option<Rolled> {
        assert!(zxid > self.written, "log appends must be in zxid order");
        assert!(self.buffered.last().is_none_or(|(last, _)| *last < zxid));
        if self.active.is_none() || self.roll_requested {
            self.buffered.push((zxid, bytes));
            return self.try_roll(disk, outputs);
        }
        self.add_to_batch(zxid, &bytes);
        self.maybe_fsync(disk, outputs);
        None
    }

    /// An fsync sequence completed: records up to `zxid` are durable.
    pub fn on_durable(
        &mut self,
        zxid: Zxid,
        disk: &mut DiskQueue,
        outputs: &mut Vec<Output>,
    ) -> Option<Rolled> {
        assert_eq!(
            self.fsync_in_flight,
            Some(zxid),
            "unexpected log durability"
        );
        assert!(zxid > self.durable && zxid <= self.written);
        self.durable = zxid;
        self.fsync_in_flight = None;
        if self.roll_requested || self.active.is_none() {
            return self.try_roll(disk, outputs);
        }
        self.maybe_fsync(disk, outputs);
        None
    }

    /// Adds a record to the active file's next write.
    fn add_to_batch(&mut self, zxid: Zxid, bytes: &[u8]) {
        let file = self.active.as_ref().expect("a batch needs an active file");
        assert!(!bytes.is_empty(), "a log record has bytes");
        if self.batch.is_empty() {
            // Room for a few records and the padding, in one allocation.
            self.batch
                .reserve(bytes.len().max(SECTOR_BYTES as usize) * 4);
        }
        self.batch.extend_from_slice(bytes);
        if file.offset + self.batch.len() as u64 >= self.roll_bytes {
            self.roll_requested = true;
        }
        self.written = zxid;
    }

    /// With no fsync in flight, writes the batch, padded with zeros to a
    /// sector boundary, as one request, and syncs it.
    fn maybe_fsync(&mut self, disk: &mut DiskQueue, outputs: &mut Vec<Output>) {
        if self.fsync_in_flight.is_some() || self.batch.is_empty() {
            return;
        }
        assert!(
            self.written > self.durable,
            "a batch holds unsynced records"
        );
        let file = self
            .active
            .as_mut()
            .expect("unsynced records need an active file");
        let up_to = self.written;
        let end = file.offset + self.batch.len() as u64;
        let mut data = std::mem::take(&mut self.batch);
        data.resize((align_up(end) - file.offset) as usize, 0);
        let op = DiskOp::Write {
            file: file.name.clone(),
            offset: file.offset,
            data,
        };
        file.offset = align_up(end);
        disk.issue(op, IoTag::LogWrite { zxid: up_to }, outputs);
        let fsync = DiskOp::Fsync {
            file: file.name.clone(),
        };
        if file.dir_synced {
            disk.issue(fsync, IoTag::LogDurable { zxid: up_to }, outputs);
        } else {
            disk.issue(fsync, IoTag::Plain, outputs);
            disk.issue(DiskOp::FsyncDir, IoTag::LogDurable { zxid: up_to }, outputs);
            file.dir_synced = true;
        }
        self.fsync_in_flight = Some(up_to);
    }

    /// Starts a new file once the old one is entirely durable and a record waits.
    fn try_roll(&mut self, disk: &mut DiskQueue, outputs: &mut Vec<Output>) -> Option<Rolled> {
        if self.written != self.durable {
            // Flush the old file first; the roll happens when that fsync completes.
            self.maybe_fsync(disk, outputs);
            return None;
        }
        assert!(
            self.fsync_in_flight.is_none(),
            "nothing unsynced, so no fsync in flight"
        );
        if self.buffered.is_empty() {
            // Nothing to write yet: the next append opens the new file.
            self.active = None;
            self.roll_requested = false;
            return None;
        }
        let first_zxid = self.buffered[0].0;
        let name = log_name(first_zxid);
        disk.issue(DiskOp::Create { file: name.clone() }, IoTag::Plain, outputs);
        let header = encode_log_header(self.dbid);
        disk.issue(
            DiskOp::Write {
                file: name.clone(),
                offset: 0,
                data: header,
            },
            IoTag::Plain,
            outputs,
        );
        self.active = Some(ActiveFile {
            name: name.clone(),
            offset: LOG_HEADER_BYTES as u64,
            dir_synced: false,
        });
        self.roll_requested = false;
        for (zxid, bytes) in std::mem::take(&mut self.buffered) {
            self.add_to_batch(zxid, &bytes);
        }
        self.maybe_fsync(disk, outputs);
        Some(Rolled { first_zxid, name })
    }

    /// Nothing buffered, nothing unsynced, no fsync in flight.
    pub fn is_idle(&self) -> bool {
        let idle = self.fsync_in_flight.is_none() && self.written == self.durable;
        assert!(
            !idle || self.batch.is_empty(),
            "a batch holds unsynced records"
        );
        idle && self.buffered.is_empty()
    }

    /// After a TRUNC or SNAP rewrote the log: it now ends durably at `zxid`,
    /// and the next record opens a new file.
    pub fn reset_to(&mut self, zxid: Zxid) {
        assert!(self.is_idle(), "the log is rewritten only when idle");
        self.written = zxid;
        self.durable = zxid;
        self.active = None;
        self.roll_requested = false;
    }

    pub fn check_invariants(&self) {
        assert!(self.durable <= self.written);
        if let Some(in_flight) = self.fsync_in_flight {
            assert!(in_flight > self.durable && in_flight <= self.written);
        }
        if let Some(file) = &self.active {
            assert!(file.offset >= LOG_HEADER_BYTES as u64);
        }
        assert!(
            self.batch.is_empty() || (self.active.is_some() && self.written > self.durable),
            "a batch is unsynced records of the active file"
        );
    }
}
