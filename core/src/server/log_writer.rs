//! The txn log writer: appends records, group-commits them with one fsync in
//! flight at a time, and rolls to a new file.
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
use crate::persist::log_format::{align_up, encode_log_header, LOG_HEADER_BYTES};
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
    /// The last zxid whose write was issued.
    written: Zxid,
    /// The last zxid whose fsync completed.
    durable: Zxid,
    fsync_in_flight: Option<Zxid>,
    /// Records waiting for a roll to finish.
    buffered: Vec<(Zxid, Vec<u8>)>,
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
        self.write(zxid, bytes, disk, outputs);
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

    fn write(
        &mut self,
        zxid: Zxid,
        bytes: Vec<u8>,
        disk: &mut DiskQueue,
        outputs: &mut Vec<Output>,
    ) {
        let file = self.active.as_mut().expect("write needs an active file");
        let op = DiskOp::Write {
            file: file.name.clone(),
            offset: file.offset,
            data: bytes,
        };
        if let DiskOp::Write { data, .. } = &op {
            file.offset += data.len() as u64;
        }
        if file.offset >= self.roll_bytes {
            self.roll_requested = true;
        }
        self.written = zxid;
        disk.issue(op, IoTag::LogWrite { zxid }, outputs);
    }

    fn maybe_fsync(&mut self, disk: &mut DiskQueue, outputs: &mut Vec<Output>) {
        if self.fsync_in_flight.is_some() || self.written == self.durable {
            return;
        }
        let file = self
            .active
            .as_mut()
            .expect("unsynced records need an active file");
        let up_to = self.written;
        let padded = align_up(file.offset);
        if padded > file.offset {
            let padding = vec![0u8; (padded - file.offset) as usize];
            let op = DiskOp::Write {
                file: file.name.clone(),
                offset: file.offset,
                data: padding,
            };
            disk.issue(op, IoTag::Plain, outputs);
            file.offset = padded;
        }
        if file.dir_synced {
            disk.issue(
                DiskOp::Fsync {
                    file: file.name.clone(),
                },
                IoTag::LogDurable { zxid: up_to },
                outputs,
            );
        } else {
            disk.issue(
                DiskOp::Fsync {
                    file: file.name.clone(),
                },
                IoTag::Plain,
                outputs,
            );
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
            self.write(zxid, bytes, disk, outputs);
        }
        self.maybe_fsync(disk, outputs);
        Some(Rolled { first_zxid, name })
    }

    /// Nothing buffered, nothing unsynced, no fsync in flight.
    pub fn is_idle(&self) -> bool {
        self.fsync_in_flight.is_none() && self.written == self.durable && self.buffered.is_empty()
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
    }
}
