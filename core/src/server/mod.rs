//! A lone server (an ensemble of one): clients' writes become txns that are
//! logged, fsynced, applied and only then answered; reads are answered from the
//! applied tree in request order per connection; fuzzy snapshots and purge run
//! alongside. Any disk error halts the server: what reached the disk is then
//! unknown, and only recovery from the data directory can say.

pub(crate) mod disk_queue;
pub(crate) mod files;
pub(crate) mod log_writer;
mod messages;
pub(crate) mod snapshot;
pub(crate) mod startup;

pub use disk_queue::DISK_QUEUE_MAX;
pub use messages::{Input, Note, Output, Reply, Request};

use crate::bugs::{Bugs, PlantedBug};
use crate::ids::{ConnId, Epoch, SessionId, Zxid};
use crate::persist::log_format::{encode_record, MAX_RECORD_BYTES};
use crate::persist::names::{classify, snapshot_name, FileKind};
use crate::persist::{LogRecord, Recovered};
use crate::request::ClientOp;
use crate::tree::{DataTree, ErrorCode};
use crate::txn::{Txn, TxnHeader};
use disk_queue::{DiskQueue, IoTag};
use files::FileSet;
use log_writer::{LogWriter, Rolled};
use snapshot::SnapshotJob;
use std::collections::{BTreeMap, VecDeque};

/// Requests held while the server starts; past this they are refused.
pub const STARTUP_BACKLOG_MAX: usize = 65_536;

#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The database id stamped in every log and snapshot header.
    pub dbid: u64,
    /// A snapshot starts after a random count of txns in [n/2+1, n]; 0 = never.
    pub snapshot_every_txns: u64,
    /// Nodes serialized per snapshot write.
    pub snapshot_chunk_nodes: usize,
    /// Roll the log to a new file past this many bytes.
    pub log_roll_bytes: u64,
    /// Snapshots kept by purge (with the logs they need).
    pub snapshot_retain: usize,
    pub bugs: Bugs,
    /// Seeds the server's own jitter. Randomness is passed in, never drawn.
    pub entropy: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Making recovery's repairs durable and moving to a new epoch.
    Starting,
    Serving,
    /// Stopped after a disk error; must be restarted from disk.
    Halted,
}

#[derive(Debug)]
enum Pending {
    Write { zxid: Zxid },
    Read { cxid: u32, op: ClientOp },
}

#[derive(Debug, Default)]
struct Conn {
    session: Option<SessionId>,
    /// Requests not yet answered, in arrival order.
    queue: VecDeque<Pending>,
}

#[derive(Debug)]
struct Unapplied {
    record: LogRecord,
    conn: Option<ConnId>,
}

#[derive(Debug)]
pub struct Server {
    config: ServerConfig,
    phase: Phase,
    epoch: Epoch,
    /// The applied state: every txn up to `acked`.
    tree: DataTree,
    /// The applied state plus every logged, not yet applied txn: writes are prepared against it.
    prep: DataTree,
    last_zxid: Zxid,
    acked: Zxid,
    log: LogWriter,
    disk: DiskQueue,
    files: FileSet,
    snapshot: Option<SnapshotJob>,
    txns_since_snapshot: u64,
    snapshot_threshold: u64,
    jitter: u64,
    conns: BTreeMap<ConnId, Conn>,
    unapplied: VecDeque<Unapplied>,
    backlog: Vec<(ConnId, Request)>,
    now_ms: u64,
    outputs: Vec<Output>,
}

impl Server {
    /// Starts a server on recovered state; its first outputs make the startup durable.
    pub fn start(config: ServerConfig, recovered: Recovered, now_ms: u64) -> Server {
        assert!(config.snapshot_chunk_nodes >= 1 && config.snapshot_retain >= 1);
        assert_eq!(recovered.tree.last_processed_zxid(), recovered.last_zxid);
        let epoch = startup::next_epoch(&recovered);
        let mut server = Server {
            phase: Phase::Starting,
            epoch,
            prep: recovered.tree.clone(),
            last_zxid: recovered.last_zxid,
            acked: recovered.last_zxid,
            log: LogWriter::new(config.dbid, config.log_roll_bytes, recovered.last_zxid),
            disk: DiskQueue::default(),
            files: initial_files(&recovered),
            snapshot: None,
            txns_since_snapshot: 0,
            snapshot_threshold: 0,
            jitter: config.entropy,
            conns: BTreeMap::new(),
            unapplied: VecDeque::new(),
            backlog: Vec::new(),
            now_ms,
            outputs: Vec::new(),
            tree: recovered.tree.clone(),
            config,
        };
        server.snapshot_threshold = server.next_snapshot_threshold();
        startup::issue_startup(
            &recovered,
            epoch,
            server.config.bugs,
            &mut server.disk,
            &mut server.outputs,
        );
        server
    }

    pub fn step(&mut self, now_ms: u64, input: Input) {
        assert!(now_ms >= self.now_ms, "time never goes backwards");
        self.now_ms = now_ms;
        if self.phase == Phase::Halted {
            return;
        }
        match input {
            Input::Request { conn, request } => self.on_request(conn, request),
            Input::Disconnected { conn } => {
                self.conns.remove(&conn);
            }
            Input::DiskDone { io } => {
                let tag = self.disk.complete(io);
                self.on_disk_done(tag);
            }
            Input::DiskFailed { io, error } => {
                let _ = self.disk.complete(io);
                self.halt(format!("disk request failed: {error}"));
            }
            // Ticks drive timers; a lone server has none yet.
            Input::Tick => {}
        }
    }

    /// Moves every pending output into `into`.
    pub fn take_outputs(&mut self, into: &mut Vec<Output>) {
        into.append(&mut self.outputs);
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// The applied tree.
    pub fn tree(&self) -> &DataTree {
        &self.tree
    }

    pub fn last_zxid(&self) -> Zxid {
        self.last_zxid
    }

    pub fn durable_zxid(&self) -> Zxid {
        self.log.durable()
    }

    pub fn snapshot_in_progress(&self) -> bool {
        self.snapshot.is_some()
    }

    pub fn disk_requests_outstanding(&self) -> usize {
        self.disk.len()
    }

    /// Cheap structural invariants, checked by the simulator after every step.
    pub fn check_invariants(&self) {
        self.log.check_invariants();
        assert!(self.acked <= self.last_zxid);
        assert!(self.tree.last_processed_zxid() <= self.acked || self.phase == Phase::Halted);
        assert_eq!(self.prep.last_processed_zxid(), self.last_zxid);
        if let Some(front) = self.unapplied.front() {
            assert!(front.record.zxid() > self.tree.last_processed_zxid());
        } else if self.phase != Phase::Halted {
            assert_eq!(
                self.prep.digest(),
                self.tree.digest(),
                "prep tree diverged from the applied tree"
            );
        }
        if self.phase == Phase::Starting {
            assert!(
                self.unapplied.is_empty(),
                "no txn is logged before startup completes"
            );
        }
    }

    fn on_request(&mut self, conn: ConnId, request: Request) {
        if self.phase == Phase::Starting {
            if self.backlog.len() < STARTUP_BACKLOG_MAX {
                self.backlog.push((conn, request));
            } else {
                self.reply(conn, request_cxid(&request), Err(ErrorCode::ConnectionLoss));
            }
            return;
        }
        match request {
            Request::Connect {
                session,
                timeout_ms,
            } => self.on_connect(conn, session, timeout_ms),
            Request::Op { cxid, op } => self.on_op(conn, cxid, op),
            Request::Close { cxid } => self.on_close(conn, cxid),
        }
    }

    fn on_connect(&mut self, conn: ConnId, session: Option<SessionId>, timeout_ms: u32) {
        let state = self.conns.entry(conn).or_default();
        if state.session.is_some() || !state.queue.is_empty() {
            self.reply(conn, 0, Err(ErrorCode::BadArguments));
            return;
        }
        match session {
            None => {
                let Some(zxid) = self.next_zxid() else { return };
                let session = SessionId(zxid.0);
                self.conns.get_mut(&conn).expect("just inserted").session = Some(session);
                let header = TxnHeader {
                    session,
                    cxid: 0,
                    zxid,
                    time_ms: self.now_ms,
                };
                let txn = self.prep.prepare_create_session(timeout_ms);
                self.log_txn(header, txn, Some(conn));
            }
            Some(session) if self.tree.sessions().contains_key(&session) => {
                state.session = Some(session);
                let outcome = Ok(crate::request::OpResult::SessionCreated { session });
                self.reply(conn, 0, outcome);
            }
            Some(_) => self.reply(conn, 0, Err(ErrorCode::SessionExpired)),
        }
    }

    fn on_op(&mut self, conn: ConnId, cxid: u32, op: ClientOp) {
        let state = self.conns.entry(conn).or_default();
        let Some(session) = state.session else {
            self.reply(conn, cxid, Err(ErrorCode::SessionExpired));
            return;
        };
        if !op.is_write() {
            if state.queue.is_empty() {
                let outcome = self.tree.read(&op);
                self.reply(conn, cxid, outcome);
            } else {
                state.queue.push_back(Pending::Read { cxid, op });
            }
            return;
        }
        let Some(zxid) = self.next_zxid() else { return };
        let header = TxnHeader {
            session,
            cxid,
            zxid,
            time_ms: self.now_ms,
        };
        let txn = self.prep.prepare(&header, &op);
        self.log_txn(header, txn, Some(conn));
    }

    fn on_close(&mut self, conn: ConnId, cxid: u32) {
        let Some(session) = self.conns.get(&conn).and_then(|state| state.session) else {
            self.reply(conn, cxid, Err(ErrorCode::SessionExpired));
            return;
        };
        let Some(zxid) = self.next_zxid() else { return };
        let header = TxnHeader {
            session,
            cxid,
            zxid,
            time_ms: self.now_ms,
        };
        let txn = self.prep.prepare_close_session(session);
        self.log_txn(header, txn, Some(conn));
    }

    /// The next zxid of this epoch, or a halt when the counter is exhausted
    /// (ZooKeeper forces a new election then: ZOOKEEPER-1277).
    fn next_zxid(&mut self) -> Option<Zxid> {
        if self.last_zxid.epoch() < self.epoch {
            return Some(Zxid::new(self.epoch, 1));
        }
        match self.last_zxid.next_in_epoch() {
            Some(zxid) => Some(zxid),
            None => {
                self.halt("zxid counter exhausted; restart for a new epoch".to_string());
                None
            }
        }
    }

    /// Hands a prepared txn to the log; it is applied and answered once durable.
    fn log_txn(&mut self, header: TxnHeader, txn: Txn, conn: Option<ConnId>) {
        assert!(header.zxid > self.last_zxid && header.zxid.epoch() == self.epoch);
        let mut record = LogRecord {
            prev_zxid: self.last_zxid,
            synced_zxid: self.log.durable(),
            header,
            txn,
        };
        let mut bytes = Vec::new();
        encode_record(&record, &mut bytes).unwrap_or_else(|_| {
            record.txn = Txn::Error {
                code: ErrorCode::BadArguments,
            };
            bytes.clear();
            encode_record(&record, &mut bytes).expect("an error txn always fits");
        });
        debug_assert!(bytes.len() <= MAX_RECORD_BYTES + 9);
        let _ = self.prep.apply(&record.header, &record.txn);
        self.last_zxid = header.zxid;
        if let Some(conn) = conn {
            self.conns
                .entry(conn)
                .or_default()
                .queue
                .push_back(Pending::Write { zxid: header.zxid });
        }
        self.outputs.push(Output::Note(Note::Logged {
            record: record.clone(),
        }));
        self.unapplied.push_back(Unapplied { record, conn });
        let rolled = self
            .log
            .append(header.zxid, bytes, &mut self.disk, &mut self.outputs);
        self.note_rolled(rolled);
    }

    fn on_disk_done(&mut self, tag: IoTag) {
        match tag {
            IoTag::Plain => {}
            IoTag::LogWrite { zxid } => {
                if self.config.bugs.has(PlantedBug::AckBeforeFsync) {
                    self.ack_up_to(zxid);
                }
            }
            IoTag::LogDurable { zxid } => {
                self.outputs.push(Output::Note(Note::Durable { zxid }));
                let rolled = self.log.on_durable(zxid, &mut self.disk, &mut self.outputs);
                self.note_rolled(rolled);
                self.ack_up_to(zxid);
            }
            IoTag::SnapshotChunk => {
                let job = self
                    .snapshot
                    .as_mut()
                    .expect("snapshot chunk without a snapshot");
                job.on_chunk_written(&self.tree, &mut self.disk, &mut self.outputs);
            }
            IoTag::SnapshotDurable => self.on_snapshot_durable(),
            IoTag::StartupDone => self.on_started(),
            IoTag::AcceptedEpochDurable | IoTag::CurrentEpochDurable | IoTag::SyncInstalled => {
                unreachable!("a lone server issues no {tag:?}")
            }
        }
    }

    fn on_started(&mut self) {
        assert_eq!(self.phase, Phase::Starting);
        self.phase = Phase::Serving;
        let note = Note::Ready {
            epoch: self.epoch,
            last_zxid: self.last_zxid,
        };
        self.outputs.push(Output::Note(note));
        for (conn, request) in std::mem::take(&mut self.backlog) {
            self.on_request(conn, request);
        }
    }

    /// Applies and answers every logged txn up to `zxid`.
    fn ack_up_to(&mut self, zxid: Zxid) {
        self.acked = self.acked.max(zxid);
        while self
            .unapplied
            .front()
            .is_some_and(|next| next.record.zxid() <= self.acked)
        {
            let Unapplied { record, conn } = self.unapplied.pop_front().expect("front exists");
            let outcome = self.tree.apply(&record.header, &record.txn);
            let zxid = record.zxid();
            assert_eq!(self.tree.last_processed_zxid(), zxid);
            let digest = self.tree.digest();
            self.outputs
                .push(Output::Note(Note::Applied { zxid, digest }));
            if let Some(conn) = conn {
                self.answer_write(conn, zxid, record.header.cxid, outcome);
            }
            self.txns_since_snapshot += 1;
        }
        self.maybe_start_snapshot();
    }

    fn answer_write(
        &mut self,
        conn: ConnId,
        zxid: Zxid,
        cxid: u32,
        outcome: crate::request::OpOutcome,
    ) {
        let Some(state) = self.conns.get_mut(&conn) else {
            return;
        };
        match state.queue.pop_front() {
            Some(Pending::Write { zxid: expected }) => {
                assert_eq!(expected, zxid, "writes answered in order")
            }
            other => panic!("connection queue out of step: expected write {zxid}, found {other:?}"),
        }
        if matches!(outcome, Ok(crate::request::OpResult::SessionClosed)) {
            state.session = None;
        }
        self.reply(conn, cxid, outcome);
        self.answer_queued_reads(conn);
    }

    /// Answers the reads queued behind a write that has just been answered.
    fn answer_queued_reads(&mut self, conn: ConnId) {
        let Some(state) = self.conns.get_mut(&conn) else {
            return;
        };
        let mut answers = Vec::new();
        while let Some(Pending::Read { .. }) = state.queue.front() {
            let Some(Pending::Read { cxid, op }) = state.queue.pop_front() else {
                unreachable!()
            };
            answers.push((cxid, self.tree.read(&op)));
        }
        for (cxid, outcome) in answers {
            self.reply(conn, cxid, outcome);
        }
    }

    fn reply(&mut self, conn: ConnId, cxid: u32, outcome: crate::request::OpOutcome) {
        let reply = Reply {
            cxid,
            zxid: self.tree.last_processed_zxid(),
            outcome,
        };
        self.outputs.push(Output::Reply { conn, reply });
    }

    fn maybe_start_snapshot(&mut self) {
        if self.config.snapshot_every_txns == 0
            || self.snapshot.is_some()
            || self.phase != Phase::Serving
            || self.txns_since_snapshot < self.snapshot_threshold
        {
            return;
        }
        let name = snapshot_name(self.tree.last_processed_zxid());
        let replace = self.files.contains(&name);
        let job = SnapshotJob::start(
            &self.tree,
            self.config.dbid,
            self.config.snapshot_chunk_nodes,
            replace,
            &mut self.disk,
            &mut self.outputs,
        );
        self.files.forget(&name);
        self.outputs
            .push(Output::Note(Note::SnapshotStarted { zxid: job.zxid() }));
        self.snapshot = Some(job);
        self.log.request_roll();
        self.txns_since_snapshot = 0;
        self.snapshot_threshold = self.next_snapshot_threshold();
    }

    fn on_snapshot_durable(&mut self) {
        let job = self
            .snapshot
            .take()
            .expect("snapshot durability without a snapshot");
        self.files
            .snapshots
            .insert(job.zxid(), job.name().to_string());
        let note = Note::SnapshotDone {
            zxid: job.zxid(),
            file: job.name().to_string(),
        };
        self.outputs.push(Output::Note(note));
        self.purge();
    }

    /// Deletes what the newest `snapshot_retain` snapshots do not need.
    fn purge(&mut self) {
        let doomed = self
            .files
            .purgeable(self.config.snapshot_retain, self.log.active_file());
        for file in &doomed {
            self.disk.issue(
                crate::io::DiskOp::Remove { file: file.clone() },
                IoTag::Plain,
                &mut self.outputs,
            );
            self.files.forget(file);
            self.outputs
                .push(Output::Note(Note::Purged { file: file.clone() }));
        }
        if !doomed.is_empty() {
            self.disk
                .issue(crate::io::DiskOp::FsyncDir, IoTag::Plain, &mut self.outputs);
        }
    }

    fn note_rolled(&mut self, rolled: Option<Rolled>) {
        if let Some(Rolled { first_zxid, name }) = rolled {
            self.files.logs.insert(first_zxid, name.clone());
            self.outputs
                .push(Output::Note(Note::LogRolled { file: name }));
        }
    }

    /// A snapshot count in [n/2+1, n], as ZooKeeper randomizes it.
    fn next_snapshot_threshold(&mut self) -> u64 {
        let n = self.config.snapshot_every_txns;
        if n == 0 {
            return u64::MAX;
        }
        self.jitter = splitmix64(self.jitter);
        let low = n / 2 + 1;
        low + self.jitter % (n - low + 1)
    }

    fn halt(&mut self, reason: String) {
        self.phase = Phase::Halted;
        self.conns.clear();
        self.backlog.clear();
        self.outputs.push(Output::Halted { reason });
    }
}

fn request_cxid(request: &Request) -> u32 {
    match request {
        Request::Connect { .. } => 0,
        Request::Op { cxid, .. } | Request::Close { cxid } => *cxid,
    }
}

pub(crate) fn initial_files(recovered: &Recovered) -> FileSet {
    let mut files = FileSet {
        logs: recovered.log_files.clone(),
        snapshots: recovered.snapshot_files.clone(),
        damaged_snapshots: BTreeMap::new(),
    };
    for name in &recovered.other_files {
        if let FileKind::Snapshot(zxid) = classify(name) {
            files.damaged_snapshots.insert(zxid, name.clone());
        }
    }
    files
}

pub(crate) fn splitmix64(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests;
