//! A replica's durable state and what it has applied.
//!
//! - `tree` holds only committed txns, applied in order once durable here;
//! - `logged` holds every record in the retained log files (committed or not);
//!   records after the tree's zxid are logged but not yet known committed;
//! - the log writer, disk queue, snapshots, purge and epoch files are the lone
//!   server's, shared.
//!
//! Because the tree never holds an uncommitted txn, a TRUNC never needs to roll
//! the tree back, and no snapshot can contain an uncommitted txn.

use crate::bugs::Bugs;
use crate::ids::{Epoch, Zxid};
use crate::io::DiskOp;
use crate::peer::logged::LoggedRecords;
use crate::peer::messages::SnapshotData;
use crate::persist::epoch_file::atomic_write_ops;
use crate::persist::log_format::{align_up, encode_log_header, encode_record, SECTOR_BYTES};
use crate::persist::names::{snapshot_name, tmp_name, ACCEPTED_EPOCH, CURRENT_EPOCH};
use crate::persist::snapshot_format::SnapshotEncoder;
use crate::persist::{LogRecord, Recovered};
use crate::request::OpOutcome;
use crate::server::disk_queue::{DiskQueue, IoTag};
use crate::server::files::FileSet;
use crate::server::log_writer::LogWriter;
use crate::server::snapshot::SnapshotJob;
use crate::server::{initial_files, splitmix64, Note, Output};
use crate::tree::DataTree;
use std::collections::BTreeSet;

/// What a disk completion meant, for the roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreEvent {
    Nothing,
    /// Everything logged up to this zxid is durable.
    Durable(Zxid),
    AcceptedEpochWritten,
    CurrentEpochWritten,
    SyncInstalled,
    StartupDone,
}

#[derive(Clone, Debug)]
pub struct StoreConfig {
    pub dbid: u64,
    pub snapshot_every_txns: u64,
    pub snapshot_chunk_nodes: usize,
    pub log_roll_bytes: u64,
    pub snapshot_retain: usize,
    pub entropy: u64,
    /// Planted bug: a record counts as durable once written, before its fsync.
    pub ack_before_fsync: bool,
    /// The planted bugs of the store's purge (see `purge_plan`).
    pub bugs: Bugs,
}

#[derive(Debug)]
pub struct Store {
    config: StoreConfig,
    pub(crate) tree: DataTree,
    logged: LoggedRecords,
    last_logged: Zxid,
    /// A TRUNC below applied txns (beyond ZAB's model) left the tree past
    /// the log's end until the replica halts and reloads.
    tree_past_log: bool,
    log: LogWriter,
    pub(crate) disk: DiskQueue,
    files: FileSet,
    temp_files: BTreeSet<String>,
    snapshot: Option<SnapshotJob>,
    txns_since_snapshot: u64,
    snapshot_threshold: u64,
    jitter: u64,
    accepted_epoch: Epoch,
    current_epoch: Epoch,
    /// Epoch values being written, applied when durable.
    /// Epoch writes issued and not yet durable, in issue order (completions come in order).
    accepted_pending: std::collections::VecDeque<Epoch>,
    current_pending: std::collections::VecDeque<Epoch>,
    /// With the ack-before-fsync bug: the last record written (not yet fsynced).
    written_early: Zxid,
    /// The directory was restored from a backup and its marker is still there.
    restored: bool,
}

impl Store {
    /// Builds the store from recovery; issues the torn-tail repair (last op tagged `StartupDone`).
    pub fn start(
        config: StoreConfig,
        mut recovered: Recovered,
        skip_truncation: bool,
        outputs: &mut Vec<Output>,
    ) -> Store {
        // Moved, not copied: the recovered records are in zxid order already.
        let logged = LoggedRecords::from_sorted(std::mem::take(&mut recovered.log_records));
        let snapshot_zxid = recovered.snapshot_tree.last_processed_zxid();
        let mut store = Store {
            restored: recovered.restored && !recovered.repairing,
            tree: std::mem::take(&mut recovered.snapshot_tree),
            last_logged: recovered.last_zxid,
            tree_past_log: false,
            log: LogWriter::new(config.dbid, config.log_roll_bytes, recovered.last_zxid),
            disk: DiskQueue::default(),
            // A repair wipes every file: nothing of the old directory remains known.
            files: if recovered.repairing {
                FileSet::default()
            } else {
                initial_files(&recovered)
            },
            temp_files: recovered
                .other_files
                .iter()
                .filter(|name| name.ends_with(".tmp"))
                .cloned()
                .collect(),
            snapshot: None,
            txns_since_snapshot: 0,
            snapshot_threshold: u64::MAX,
            jitter: config.entropy,
            accepted_epoch: recovered.accepted_epoch,
            current_epoch: recovered.current_epoch,
            accepted_pending: std::collections::VecDeque::new(),
            current_pending: std::collections::VecDeque::new(),
            written_early: recovered.last_zxid,
            logged,
            config,
        };
        assert!(store.last_logged >= snapshot_zxid);
        store.snapshot_threshold = store.next_snapshot_threshold();
        store.issue_repair(&recovered, skip_truncation, outputs);
        store
    }

    /// Log files holding no record (a crash after creating one): their names
    /// would clash with the file the same zxid opens next.
    fn remove_empty_logs(&mut self, outputs: &mut Vec<Output>) {
        let empty: Vec<(Zxid, String)> = self
            .files
            .logs
            .iter()
            .filter(|(first, _)| !self.logged.contains(**first))
            .map(|(first, name)| (*first, name.clone()))
            .collect();
        for (_, name) in empty {
            self.disk
                .issue(DiskOp::Remove { file: name.clone() }, IoTag::Plain, outputs);
            self.files.forget(&name);
        }
    }

    /// A repair: the marker first (durably), then every other file goes.
    fn issue_wipe(&mut self, recovered: &Recovered, outputs: &mut Vec<Output>) {
        use crate::persist::names::REPAIR_MARKER;
        let names = &recovered.other_files;
        if !names.iter().any(|name| name == REPAIR_MARKER) {
            let tmp_exists = names.contains(&tmp_name(REPAIR_MARKER));
            for op in atomic_write_ops(REPAIR_MARKER, Epoch(0), tmp_exists) {
                self.disk.issue(op, IoTag::Plain, outputs);
            }
        }
        let marker_tmp = tmp_name(REPAIR_MARKER);
        for name in names
            .iter()
            .filter(|name| **name != REPAIR_MARKER && **name != marker_tmp)
        {
            self.disk
                .issue(DiskOp::Remove { file: name.clone() }, IoTag::Plain, outputs);
        }
        self.temp_files.clear();
        let none = Recovered::for_repair(&crate::persist::DataDirImage::new());
        self.create_hint_file(&none, outputs);
        outputs.push(Output::Note(Note::RepairStarted));
        self.disk
            .issue(DiskOp::FsyncDir, IoTag::StartupDone, outputs);
    }

    /// The rebuilt (or restored and synced) state is durable: the marker goes.
    pub fn finish_repair(&mut self, outputs: &mut Vec<Output>) {
        use crate::persist::names::{REPAIR_MARKER, RESTORE_MARKER};
        let marker = if self.restored {
            RESTORE_MARKER
        } else {
            REPAIR_MARKER
        };
        self.restored = false;
        let file = marker.to_string();
        self.disk
            .issue(DiskOp::Remove { file }, IoTag::Plain, outputs);
        self.disk.issue(DiskOp::FsyncDir, IoTag::Plain, outputs);
        outputs.push(Output::Note(Note::Repaired));
    }

    fn issue_repair(
        &mut self,
        recovered: &Recovered,
        skip_truncation: bool,
        outputs: &mut Vec<Output>,
    ) {
        if recovered.repairing {
            self.issue_wipe(recovered, outputs);
            return;
        }
        if let Some(torn) = recovered.torn_tail.as_ref().filter(|_| !skip_truncation) {
            if torn.valid_bytes == 0 {
                self.disk.issue(
                    DiskOp::Remove {
                        file: torn.file.clone(),
                    },
                    IoTag::Plain,
                    outputs,
                );
            } else {
                let file = torn.file.clone();
                self.disk.issue(
                    DiskOp::Truncate {
                        file: file.clone(),
                        len: torn.valid_bytes,
                    },
                    IoTag::Plain,
                    outputs,
                );
                self.disk
                    .issue(DiskOp::Fsync { file }, IoTag::Plain, outputs);
            }
            for dropped in &torn.dropped_files {
                self.disk.issue(
                    DiskOp::Remove {
                        file: dropped.clone(),
                    },
                    IoTag::Plain,
                    outputs,
                );
            }
            let note = Note::TornTailTruncated {
                file: torn.file.clone(),
                valid_bytes: torn.valid_bytes,
            };
            outputs.push(Output::Note(note));
        }
        self.remove_empty_logs(outputs);
        self.create_hint_file(recovered, outputs);
        self.disk
            .issue(DiskOp::FsyncDir, IoTag::StartupDone, outputs);
    }

    pub fn tree(&self) -> &DataTree {
        &self.tree
    }

    pub fn applied(&self) -> Zxid {
        self.tree.last_processed_zxid()
    }

    pub fn last_logged(&self) -> Zxid {
        self.last_logged
    }

    /// What this replica treats as durable (its log's fsynced end; earlier with the planted bug).
    pub fn durable(&self) -> Zxid {
        if self.config.ack_before_fsync {
            return self
                .log
                .durable()
                .max(self.written_early.min(self.last_logged));
        }
        self.log.durable()
    }

    pub fn accepted_epoch(&self) -> Epoch {
        self.accepted_epoch
    }

    pub fn current_epoch(&self) -> Epoch {
        self.current_epoch
    }

    pub fn snapshot_in_progress(&self) -> bool {
        self.snapshot.is_some()
    }

    pub fn disk_requests_outstanding(&self) -> usize {
        self.disk.len()
    }

    /// Ready for a TRUNC or SNAP: nothing in flight that the rewrite would race.
    pub fn ready_for_rewrite(&self) -> bool {
        self.log.is_idle() && self.snapshot.is_none()
    }

    pub fn record(&self, zxid: Zxid) -> Option<&LogRecord> {
        self.logged.get(zxid)
    }

    /// Logged records after `zxid`, in order.
    pub fn records_after(&self, zxid: Zxid) -> Vec<LogRecord> {
        self.logged.after(zxid).cloned().collect()
    }

    /// The zxids of the logged records that chain back from the last one
    /// (each the previous one's `prev_zxid`), ascending. Records before a gap
    /// are left out: a log file that an installed SNAP's removal left behind
    /// (the removal lost in a crash) holds txns older than the snapshot, which
    /// no later record continues; the snapshot holds what lies between.
    fn chained_zxids(&self) -> Vec<Zxid> {
        let mut chain = Vec::new();
        let mut expected = self.logged.last().map(LogRecord::zxid);
        for record in self.logged.iter().rev() {
            if Some(record.zxid()) != expected {
                break;
            }
            chain.push(record.zxid());
            expected = Some(record.prev_zxid);
        }
        chain.reverse();
        assert_eq!(
            chain.last().copied(),
            self.logged.last().map(LogRecord::zxid)
        );
        chain
    }

    /// The zxids of the logged records the leader can DIFF from (the chain
    /// that ends at its last zxid), and the zxid just before them (the leader
    /// can DIFF anything after it).
    pub fn history_window(&self) -> (Vec<Zxid>, Zxid) {
        if self
            .logged
            .last()
            .is_none_or(|last| last.zxid() != self.last_logged)
        {
            // The state is ahead of the log (a snapshot covers a lost log tail):
            // only a SNAP can bring anyone behind up to it.
            return (Vec::new(), self.last_logged);
        }
        let zxids = self.chained_zxids();
        let base = match zxids.first() {
            Some(&first) => self.logged.get(first).expect("in the chain").prev_zxid,
            None => self.last_logged,
        };
        assert!(zxids.first().is_none_or(|first| base < *first));
        (zxids, base)
    }

    /// Whether this replica's history holds `zxid` where a leader can see it:
    /// a txn of the chain its log ends with, the point that chain starts
    /// after, or its last zxid.
    pub fn holds(&self, zxid: Zxid) -> bool {
        let chain = self.chained_zxids();
        let base = match chain.first() {
            Some(&first) => self.logged.get(first).expect("in the chain").prev_zxid,
            None => self.last_logged,
        };
        zxid == base || zxid == self.last_logged || chain.binary_search(&zxid).is_ok()
    }

    /// Beyond ZAB's model, this replica's log cannot be reconciled with its
    /// leader's: the repair marker is made durable (the sync-installed
    /// completion says when), so that the restart wipes and rebuilds it.
    pub fn mark_for_repair(&mut self, outputs: &mut Vec<Output>) {
        use crate::persist::names::REPAIR_MARKER;
        self.write_epoch_file(REPAIR_MARKER, Epoch(0), IoTag::SyncInstalled, outputs);
    }

    /// Every logged txn's zxid, for observers.
    pub fn logged_zxids(&self) -> Vec<Zxid> {
        self.logged.iter().map(LogRecord::zxid).collect()
    }

    /// The applied tree as a snapshot for a follower.
    pub fn snapshot_data(&self) -> SnapshotData {
        let mut walk = self.tree.fuzzy_walk();
        let mut nodes = Vec::with_capacity(self.tree.node_count());
        let finished = walk.next_chunk(&self.tree, usize::MAX, &mut nodes);
        assert!(finished, "an unbounded chunk walks the whole tree");
        SnapshotData {
            zxid: self.applied(),
            sessions: walk.sessions().clone(),
            nodes,
        }
    }

    /// Logs a record (it must extend the log). Its `synced_zxid` is stamped
    /// here: it speaks of this log's durability, not the sender's.
    /// A record over the size limit is refused before anything changes.
    pub fn append(
        &mut self,
        mut record: LogRecord,
        outputs: &mut Vec<Output>,
    ) -> Result<(), crate::persist::log_format::RecordTooLarge> {
        assert_eq!(record.prev_zxid, self.last_logged, "records extend the log");
        record.synced_zxid = self.log.durable();
        assert!(record.zxid() > self.last_logged);
        let mut bytes = Vec::new();
        encode_record(&record, &mut bytes)?;
        let zxid = record.zxid();
        self.last_logged = zxid;
        outputs.push(Output::Note(Note::Logged {
            record: record.clone(),
        }));
        self.logged.push(record);
        if let Some(rolled) = self.log.append(zxid, bytes, &mut self.disk, outputs) {
            self.files
                .logs
                .insert(rolled.first_zxid, rolled.name.clone());
            outputs.push(Output::Note(Note::LogRolled { file: rolled.name }));
        }
        Ok(())
    }

    /// Applies logged records up to `zxid` (all must be logged); returns them with their outcomes.
    pub fn apply_up_to(
        &mut self,
        zxid: Zxid,
        outputs: &mut Vec<Output>,
    ) -> Vec<(LogRecord, OpOutcome)> {
        let from = self.applied();
        if zxid <= from || self.tree_past_log {
            // (Past the log: the tree is stale until the replica halts and
            // reloads; what the leader sends meanwhile is logged, not applied.)
            return Vec::new();
        }
        assert!(
            self.logged.contains(zxid),
            "applying {zxid}, which is not logged"
        );
        assert_eq!(
            self.logged.after(from).next().map(|first| first.prev_zxid),
            Some(from),
            "applied records continue the tree"
        );
        let mut applied = Vec::new();
        for record in self.logged.after(from).take_while(|r| r.zxid() <= zxid) {
            let outcome = self.tree.apply(&record.header, &record.txn);
            let digest = self.tree.digest();
            outputs.push(Output::Note(Note::Applied {
                zxid: record.zxid(),
                digest,
            }));
            self.txns_since_snapshot += 1;
            applied.push((record.clone(), outcome));
        }
        assert!(applied.last().is_some_and(|(last, _)| last.zxid() == zxid));
        assert_eq!(self.applied(), zxid);
        self.maybe_start_snapshot(outputs);
        applied
    }

    /// The highest acceptedEpoch written or being written: an epoch below it is
    /// never accepted again (a write under way may already be on disk).
    pub fn accepted_epoch_promised(&self) -> Epoch {
        self.accepted_pending
            .iter()
            .copied()
            .fold(self.accepted_epoch, Epoch::max)
    }

    pub fn write_accepted_epoch(&mut self, epoch: Epoch, outputs: &mut Vec<Output>) {
        assert!(
            epoch >= self.accepted_epoch_promised(),
            "acceptedEpoch never goes back"
        );
        self.accepted_pending.push_back(epoch);
        self.write_epoch_file(ACCEPTED_EPOCH, epoch, IoTag::AcceptedEpochDurable, outputs);
    }

    pub fn write_current_epoch(&mut self, epoch: Epoch, outputs: &mut Vec<Output>) {
        assert!(epoch <= self.accepted_epoch_promised());
        self.current_pending.push_back(epoch);
        self.write_epoch_file(CURRENT_EPOCH, epoch, IoTag::CurrentEpochDurable, outputs);
    }

    fn write_epoch_file(
        &mut self,
        name: &str,
        epoch: Epoch,
        tag: IoTag,
        outputs: &mut Vec<Output>,
    ) {
        let tmp_exists = self.temp_files.remove(&tmp_name(name));
        let ops = atomic_write_ops(name, epoch, tmp_exists);
        let count = ops.len();
        for (index, op) in ops.into_iter().enumerate() {
            self.disk.issue(
                op,
                if index + 1 == count {
                    tag
                } else {
                    IoTag::Plain
                },
                outputs,
            );
        }
    }

    /// Drops every logged record after `to`, durably: files holding only later
    /// records are removed; the file holding `to` is rewritten through a temp
    /// file and a rename (never in place: its last sector holds durable bytes).
    /// Creates the durability hint's file unless recovery found one.
    fn create_hint_file(&mut self, recovered: &Recovered, outputs: &mut Vec<Output>) {
        use crate::persist::synced_hint::SYNCED_HINT;
        if !recovered.other_files.iter().any(|name| name == SYNCED_HINT) {
            let file = SYNCED_HINT.to_string();
            self.disk
                .issue(DiskOp::Create { file }, IoTag::Plain, outputs);
        }
    }

    /// The durability hint: written and fsynced when the log goes idle (no later
    /// record will carry the proof). It goes before a TRUNC or SNAP rewrite too,
    /// so it never points past the log.
    fn write_hint(&mut self, zxid: Zxid, outputs: &mut Vec<Output>) {
        use crate::persist::synced_hint::{encode_hint, SYNCED_HINT};
        let file = SYNCED_HINT.to_string();
        let op = DiskOp::Write {
            file: file.clone(),
            offset: 0,
            data: encode_hint(zxid),
        };
        self.disk.issue(op, IoTag::Plain, outputs);
        self.disk
            .issue(DiskOp::Fsync { file }, IoTag::Plain, outputs);
    }

    /// Truncates the log after `to`. Within ZAB's model the tree holds only
    /// committed txns, all at or before the TRUNC point; with
    /// `below_applied` (the leader's history lacks txns this replica applied:
    /// beyond the model) the snapshots past `to` go too, and the replica must
    /// reload from disk, as ZooKeeper's `truncateLog` does.
    pub fn install_trunc(&mut self, to: Zxid, below_applied: bool, outputs: &mut Vec<Output>) {
        assert!(
            self.ready_for_rewrite(),
            "TRUNC waits for the log to be idle"
        );
        assert_eq!(
            self.applied() > to,
            below_applied,
            "the caller says whether the tree holds txns past the TRUNC point"
        );
        self.write_hint(to, outputs);
        self.tree_past_log |= below_applied;
        if below_applied {
            let newer: Vec<String> = self
                .files
                .snapshots
                .range(Zxid(to.0 + 1)..)
                .map(|(_, name)| name.clone())
                .collect();
            for name in newer {
                self.disk
                    .issue(DiskOp::Remove { file: name.clone() }, IoTag::Plain, outputs);
                self.files.forget(&name);
            }
        }
        let doomed: Vec<(Zxid, String)> = self
            .files
            .logs
            .range(Zxid(to.0 + 1)..)
            .map(|(z, n)| (*z, n.clone()))
            .collect();
        for (_, name) in &doomed {
            self.disk
                .issue(DiskOp::Remove { file: name.clone() }, IoTag::Plain, outputs);
            self.files.forget(name);
        }
        let holder = self
            .files
            .logs
            .range(..=to)
            .next_back()
            .map(|(z, n)| (*z, n.clone()));
        if let Some((first, name)) = holder {
            let beyond = self.logged.after(to).next().is_some();
            if beyond {
                let kept: Vec<LogRecord> = self.logged.between(first, to).cloned().collect();
                self.rewrite_log_file(&name, &kept, outputs);
            }
        }
        let dirty = self.files.snapshots.range(Zxid(to.0 + 1)..).next();
        assert!(
            dirty.is_none(),
            "snapshot {dirty:?} is past the TRUNC point {to}: the tree held an uncommitted txn"
        );
        self.logged.truncate_after(to);
        self.last_logged = to;
        self.written_early = self.written_early.min(to);
        self.log.reset_to(to);
        self.disk
            .issue(DiskOp::FsyncDir, IoTag::SyncInstalled, outputs);
    }

    fn rewrite_log_file(&mut self, name: &str, records: &[LogRecord], outputs: &mut Vec<Output>) {
        let tmp = tmp_name(name);
        let mut bytes = encode_log_header(self.config.dbid);
        for record in records {
            encode_record(record, &mut bytes).expect("it fitted when first logged");
        }
        bytes.resize(align_up(bytes.len() as u64).max(SECTOR_BYTES) as usize, 0);
        if self.temp_files.remove(&tmp) {
            self.disk
                .issue(DiskOp::Remove { file: tmp.clone() }, IoTag::Plain, outputs);
        }
        self.disk
            .issue(DiskOp::Create { file: tmp.clone() }, IoTag::Plain, outputs);
        self.disk.issue(
            DiskOp::Write {
                file: tmp.clone(),
                offset: 0,
                data: bytes,
            },
            IoTag::Plain,
            outputs,
        );
        self.disk
            .issue(DiskOp::Fsync { file: tmp.clone() }, IoTag::Plain, outputs);
        self.disk.issue(
            DiskOp::Rename {
                from: tmp,
                to: name.to_string(),
            },
            IoTag::Plain,
            outputs,
        );
    }

    /// Replaces the whole state with the leader's snapshot, durably: the
    /// snapshot file first, then the old logs (which it supersedes) go.
    pub fn install_snap(&mut self, data: &SnapshotData, outputs: &mut Vec<Output>) {
        assert!(
            self.ready_for_rewrite(),
            "SNAP waits for the log to be idle"
        );
        self.write_hint(data.zxid, outputs);
        let tree = DataTree::from_snapshot(data.zxid, data.sessions.clone(), data.nodes.clone())
            .unwrap_or_else(|error| panic!("the leader sent an inconsistent snapshot: {error}"));
        let name = snapshot_name(data.zxid);
        if self.files.contains(&name) {
            self.disk
                .issue(DiskOp::Remove { file: name.clone() }, IoTag::Plain, outputs);
            self.files.forget(&name);
        }
        let (mut encoder, header) =
            SnapshotEncoder::begin(self.config.dbid, data.zxid, &data.sessions);
        let mut bytes = header;
        bytes.extend(encoder.chunk(&data.nodes));
        bytes.extend(encoder.finish(data.zxid));
        self.disk
            .issue(DiskOp::Create { file: name.clone() }, IoTag::Plain, outputs);
        self.disk.issue(
            DiskOp::Write {
                file: name.clone(),
                offset: 0,
                data: bytes,
            },
            IoTag::Plain,
            outputs,
        );
        self.disk
            .issue(DiskOp::Fsync { file: name.clone() }, IoTag::Plain, outputs);
        self.disk.issue(DiskOp::FsyncDir, IoTag::Plain, outputs);
        for (_, log) in std::mem::take(&mut self.files.logs) {
            self.disk
                .issue(DiskOp::Remove { file: log }, IoTag::Plain, outputs);
        }
        for (_, old) in std::mem::take(&mut self.files.snapshots)
            .into_iter()
            .chain(std::mem::take(&mut self.files.damaged_snapshots))
        {
            self.disk
                .issue(DiskOp::Remove { file: old }, IoTag::Plain, outputs);
        }
        self.disk
            .issue(DiskOp::FsyncDir, IoTag::SyncInstalled, outputs);
        self.files.snapshots.insert(data.zxid, name);
        self.tree = tree;
        self.logged.clear();
        self.last_logged = data.zxid;
        self.written_early = data.zxid;
        self.log.reset_to(data.zxid);
        self.txns_since_snapshot = 0;
    }

    /// Handles a completion; says what it meant.
    pub fn on_disk_done(&mut self, tag: IoTag, outputs: &mut Vec<Output>) -> StoreEvent {
        match tag {
            IoTag::LogWrite { zxid } if self.config.ack_before_fsync => {
                self.written_early = self.written_early.max(zxid);
                StoreEvent::Durable(zxid)
            }
            IoTag::Plain | IoTag::LogWrite { .. } => StoreEvent::Nothing,
            IoTag::LogDurable { zxid } => {
                outputs.push(Output::Note(Note::Durable { zxid }));
                if let Some(rolled) = self.log.on_durable(zxid, &mut self.disk, outputs) {
                    self.files
                        .logs
                        .insert(rolled.first_zxid, rolled.name.clone());
                    outputs.push(Output::Note(Note::LogRolled { file: rolled.name }));
                }
                // While writes go on, each new record carries the proof (`synced_zxid`);
                // once the log is idle, the hint (made durable) must carry it.
                if self.log.is_idle() {
                    self.write_hint(zxid, outputs);
                }
                StoreEvent::Durable(zxid)
            }
            IoTag::SnapshotChunk => {
                let job = self
                    .snapshot
                    .as_mut()
                    .expect("snapshot chunk without a snapshot");
                job.on_chunk_written(&self.tree, &mut self.disk, outputs);
                StoreEvent::Nothing
            }
            IoTag::SnapshotDurable => {
                let job = self
                    .snapshot
                    .take()
                    .expect("snapshot durability without a snapshot");
                self.files
                    .snapshots
                    .insert(job.zxid(), job.name().to_string());
                outputs.push(Output::Note(Note::SnapshotDone {
                    zxid: job.zxid(),
                    file: job.name().to_string(),
                }));
                self.purge(outputs);
                StoreEvent::Nothing
            }
            IoTag::AcceptedEpochDurable => {
                self.accepted_epoch = self
                    .accepted_pending
                    .pop_front()
                    .expect("an acceptedEpoch write was pending");
                StoreEvent::AcceptedEpochWritten
            }
            IoTag::CurrentEpochDurable => {
                self.current_epoch = self
                    .current_pending
                    .pop_front()
                    .expect("a currentEpoch write was pending");
                StoreEvent::CurrentEpochWritten
            }
            IoTag::SyncInstalled => StoreEvent::SyncInstalled,
            IoTag::StartupDone => StoreEvent::StartupDone,
        }
    }

    fn maybe_start_snapshot(&mut self, outputs: &mut Vec<Output>) {
        if self.config.snapshot_every_txns == 0
            || self.snapshot.is_some()
            || self.txns_since_snapshot < self.snapshot_threshold
        {
            return;
        }
        let name = snapshot_name(self.applied());
        let replace = self.files.contains(&name);
        let job = SnapshotJob::start(
            &self.tree,
            self.config.dbid,
            self.config.snapshot_chunk_nodes,
            replace,
            &mut self.disk,
            outputs,
        );
        self.files.forget(&name);
        outputs.push(Output::Note(Note::SnapshotStarted { zxid: job.zxid() }));
        self.snapshot = Some(job);
        self.log.request_roll();
        self.txns_since_snapshot = 0;
        self.snapshot_threshold = self.next_snapshot_threshold();
    }

    fn purge(&mut self, outputs: &mut Vec<Output>) {
        let doomed = self.files.purgeable(
            self.config.snapshot_retain,
            self.log.active_file(),
            self.config.bugs,
        );
        for file in &doomed {
            self.disk
                .issue(DiskOp::Remove { file: file.clone() }, IoTag::Plain, outputs);
            self.files.forget(file);
            outputs.push(Output::Note(Note::Purged { file: file.clone() }));
        }
        if !doomed.is_empty() {
            self.disk.issue(DiskOp::FsyncDir, IoTag::Plain, outputs);
        }
        // Keep in memory only the records of log files that remain.
        let oldest_log = self
            .files
            .logs
            .keys()
            .next()
            .copied()
            .unwrap_or(Zxid(u64::MAX));
        let keep_from = oldest_log.min(Zxid(self.applied().0.saturating_add(1)));
        self.logged.drop_before(keep_from);
    }

    fn next_snapshot_threshold(&mut self) -> u64 {
        let n = self.config.snapshot_every_txns;
        if n == 0 {
            return u64::MAX;
        }
        self.jitter = splitmix64(self.jitter);
        let low = n / 2 + 1;
        low + self.jitter % (n - low + 1)
    }

    pub fn check_invariants(&self) {
        self.log.check_invariants();
        assert!(self.applied() <= self.last_logged || self.tree_past_log);
        assert!(self.current_epoch <= self.accepted_epoch);
        if let Some(last) = self.logged.last().map(LogRecord::zxid) {
            // Equal, or the state is ahead of the log: a snapshot covers a lost tail.
            assert!(
                last <= self.last_logged,
                "no logged record is past the log's end"
            );
            assert!(
                last == self.last_logged
                    || self.applied() == self.last_logged
                    || self.tree_past_log
            );
        }
        assert!(self.log.durable() <= self.last_logged);
        assert!(self.durable() <= self.last_logged);
    }
}
