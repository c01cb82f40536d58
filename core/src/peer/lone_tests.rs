//! The lone server, driven sans-IO by a test driver whose disk is a map of
//! file name to bytes. The driver completes disk requests strictly in issue
//! order and checks, on every completed log write, the writer's alignment
//! rule: a write starts on a sector boundary or exactly where the previous
//! write to that file ended, and never inside a sector an earlier fsync covered.

use super::store::StoreConfig;
use super::{Peer as Server, PeerConfig};
use crate::bugs::Bugs;
use crate::ids::NodeId;
use crate::ids::{ConnId, IoId, SessionId, Zxid};
use crate::io::{DiskError, DiskOp};
use crate::persist::log_format::{align_up, SECTOR_BYTES};
use crate::persist::names::{classify, FileKind, ACCEPTED_EPOCH};
use crate::persist::{recover, DataDirImage, Recovered};
use crate::request::{ClientOp, OpResult};
use crate::server::{Input, Note, Output, Phase, Reply, Request};
use crate::tree::{CreateMode, ErrorCode};
use crate::watch::WatchEvent;
use std::collections::{BTreeMap, VecDeque};

const DBID: u64 = 0xd1_5c0;
/// Disk requests one `settle` may complete before the server is called stuck.
const SETTLE_STEPS_MAX: usize = 100_000;

/// The lone server's settings, as an ensemble of one.
#[derive(Clone, Debug)]
pub(super) struct ServerConfig {
    dbid: u64,
    snapshot_every_txns: u64,
    snapshot_chunk_nodes: usize,
    log_roll_bytes: u64,
    snapshot_retain: usize,
    bugs: Bugs,
    entropy: u64,
}

impl ServerConfig {
    fn peer(self) -> PeerConfig {
        PeerConfig {
            id: NodeId(0),
            members: vec![NodeId(0)],
            store: StoreConfig {
                dbid: self.dbid,
                snapshot_every_txns: self.snapshot_every_txns,
                snapshot_chunk_nodes: self.snapshot_chunk_nodes,
                log_roll_bytes: self.log_roll_bytes,
                snapshot_retain: self.snapshot_retain,
                entropy: self.entropy,
                ack_before_fsync: false,
                bugs: crate::bugs::Bugs::none(),
            },
            init_limit_ticks: 10,
            sync_limit_ticks: 5,
            finalize_wait_ticks: 2,
            committed_log_txns: 100,
            tick_ms: 100,
            bugs: self.bugs,
        }
    }
}

pub(super) fn config() -> ServerConfig {
    ServerConfig {
        dbid: DBID,
        snapshot_every_txns: 0,
        snapshot_chunk_nodes: 4,
        log_roll_bytes: 64 * 1024,
        snapshot_retain: 2,
        bugs: Bugs::none(),
        entropy: 7,
    }
}

/// What the driver knows of one log file, for the alignment rule.
#[derive(Clone, Copy, Debug, Default)]
struct LogFileWrites {
    /// Where the last completed write ended.
    write_end: u64,
    /// Sectors below this offset were covered by a completed fsync.
    durable_end: u64,
    /// Writes that started on a sector boundary / continued the previous one.
    aligned: u64,
    continued: u64,
}

/// A data directory with plain semantics: no crash model.
#[derive(Debug, Default)]
struct MemDisk {
    files: DataDirImage,
}

impl MemDisk {
    fn execute(&mut self, op: &DiskOp) -> Result<(), DiskError> {
        let missing = |file: &String| DiskError::NotFound { file: file.clone() };
        match op {
            DiskOp::Create { file } => {
                if self.files.contains_key(file) {
                    return Err(DiskError::AlreadyExists { file: file.clone() });
                }
                self.files.insert(file.clone(), Vec::new());
            }
            DiskOp::Write { file, offset, data } => {
                let bytes = self.files.get_mut(file).ok_or_else(|| missing(file))?;
                let end = *offset as usize + data.len();
                if bytes.len() < end {
                    bytes.resize(end, 0);
                }
                bytes[*offset as usize..end].copy_from_slice(data);
            }
            DiskOp::Truncate { file, len } => {
                let bytes = self.files.get_mut(file).ok_or_else(|| missing(file))?;
                bytes.resize(*len as usize, 0);
            }
            DiskOp::Fsync { file } => {
                self.files.get(file).ok_or_else(|| missing(file))?;
            }
            DiskOp::Rename { from, to } => {
                let bytes = self.files.remove(from).ok_or_else(|| missing(from))?;
                self.files.insert(to.clone(), bytes);
            }
            DiskOp::Remove { file } => {
                self.files.remove(file).ok_or_else(|| missing(file))?;
            }
            DiskOp::FsyncDir => {}
        }
        Ok(())
    }
}

pub(super) struct Driver {
    pub(super) server: Server,
    disk: MemDisk,
    pending: VecDeque<(IoId, DiskOp)>,
    pub(super) replies: Vec<(ConnId, Reply)>,
    /// Watch events, each with the number of replies sent before it.
    pub(super) watches: Vec<(ConnId, WatchEvent, usize)>,
    /// Connections the server closed.
    pub(super) closed: Vec<ConnId>,
    notes: Vec<Note>,
    halted: Option<String>,
    log_writes: BTreeMap<String, LogFileWrites>,
    now_ms: u64,
}

impl Driver {
    /// Recovers `image`, starts a server on it and returns before any startup request completes.
    fn start(config: ServerConfig, image: DataDirImage) -> (Driver, Vec<Output>) {
        let recovered = recover(&image, config.dbid).expect("the image recovers");
        Driver::start_recovered(config, image, recovered)
    }

    fn start_recovered(
        config: ServerConfig,
        image: DataDirImage,
        recovered: Recovered,
    ) -> (Driver, Vec<Output>) {
        let mut driver = Driver {
            server: Server::start(config.peer(), recovered, 1_000),
            disk: MemDisk { files: image },
            pending: VecDeque::new(),
            replies: Vec::new(),
            watches: Vec::new(),
            closed: Vec::new(),
            notes: Vec::new(),
            halted: None,
            log_writes: BTreeMap::new(),
            now_ms: 1_000,
        };
        let outputs = driver.collect();
        (driver, outputs)
    }

    /// A server on an empty directory, serving.
    pub(super) fn serving(config: ServerConfig) -> Driver {
        let (mut driver, _) = Driver::start(config, DataDirImage::new());
        driver.settle();
        assert_eq!(driver.server.phase(), Phase::Serving);
        driver
    }

    /// Routes the server's outputs; returns them too.
    fn collect(&mut self) -> Vec<Output> {
        let mut outputs = Vec::new();
        self.server.take_outputs(&mut outputs);
        for output in &outputs {
            match output {
                Output::Disk { io, op } => self.pending.push_back((*io, op.clone())),
                Output::Reply { conn, reply } => self.replies.push((*conn, reply.clone())),
                Output::Halted { reason } => {
                    assert!(self.halted.is_none(), "halted twice");
                    self.halted = Some(reason.clone());
                }
                Output::Note(note) => self.notes.push(note.clone()),
                Output::Send { .. } => panic!("an ensemble of one sends no messages"),
                Output::CloseConnection { conn } => self.closed.push(*conn),
                Output::Watch { conn, event } => {
                    self.watches
                        .push((*conn, event.clone(), self.replies.len()))
                }
            }
        }
        self.server.check_invariants();
        outputs
    }

    pub(super) fn step(&mut self, input: Input) -> Vec<Output> {
        self.now_ms += 1;
        self.server.step(self.now_ms, input);
        self.collect()
    }

    pub(super) fn request(&mut self, conn: u64, request: Request) -> Vec<Output> {
        self.step(Input::Request {
            conn: ConnId(conn),
            request,
        })
    }

    pub(super) fn op(&mut self, conn: u64, cxid: u32, op: ClientOp) -> Vec<Output> {
        self.request(conn, Request::Op { cxid, op })
    }

    /// Executes the oldest outstanding disk request and reports it done.
    fn complete_next(&mut self) -> Vec<Output> {
        let (io, op) = self.pending.pop_front().expect("a request is outstanding");
        self.check_alignment(&op);
        match self.disk.execute(&op) {
            Ok(()) => self.step(Input::DiskDone { io }),
            Err(error) => panic!("{op:?} failed on the test disk: {error}"),
        }
    }

    pub(super) fn settle(&mut self) {
        for _ in 0..SETTLE_STEPS_MAX {
            if self.pending.is_empty() {
                return;
            }
            self.complete_next();
        }
        panic!("the server did not settle in {SETTLE_STEPS_MAX} disk requests");
    }

    /// The writer's rule, checked as each log request completes.
    fn check_alignment(&mut self, op: &DiskOp) {
        let is_log = |file: &str| matches!(classify(file), FileKind::Log(_));
        match op {
            DiskOp::Write { file, offset, data } if is_log(file) => {
                let state = self.log_writes.entry(file.clone()).or_default();
                let aligned = offset.is_multiple_of(SECTOR_BYTES);
                let continues = *offset == state.write_end;
                assert!(
                    aligned || continues,
                    "{file}: write at {offset} neither aligned nor continuing {}",
                    state.write_end
                );
                assert!(
                    *offset >= state.durable_end,
                    "{file}: write at {offset} rewrites a sector fsynced up to {}",
                    state.durable_end
                );
                state.aligned += u64::from(aligned);
                state.continued += u64::from(continues && !aligned);
                state.write_end = offset + data.len() as u64;
            }
            DiskOp::Fsync { file } if is_log(file) => {
                let len = self
                    .disk
                    .files
                    .get(file)
                    .map_or(0, |bytes| bytes.len() as u64);
                let state = self.log_writes.entry(file.clone()).or_default();
                state.durable_end = align_up(len);
            }
            DiskOp::Truncate { file, len } if is_log(file) => {
                let state = self.log_writes.entry(file.clone()).or_default();
                state.write_end = *len;
            }
            _ => {}
        }
    }

    pub(super) fn replies_to(&self, conn: u64) -> Vec<&Reply> {
        self.replies
            .iter()
            .filter(|(to, _)| *to == ConnId(conn))
            .map(|(_, reply)| reply)
            .collect()
    }

    /// Connects `conn` with a new session and waits for it.
    pub(super) fn connect(&mut self, conn: u64) -> SessionId {
        self.request(
            conn,
            Request::Connect {
                session: None,
                timeout_ms: 10_000,
                last_zxid_seen: Zxid::ZERO,
            },
        );
        self.settle();
        match &self
            .replies_to(conn)
            .last()
            .expect("connect answered")
            .outcome
        {
            Ok(OpResult::SessionCreated { session, .. }) => *session,
            other => panic!("connect failed: {other:?}"),
        }
    }

    /// Recovers the driver's disk as it is now.
    fn recover(&self) -> Recovered {
        recover(&self.disk.files, DBID).expect("the server's own directory recovers")
    }

    fn files_of_kind(&self, kind: fn(&FileKind) -> bool) -> Vec<String> {
        self.disk
            .files
            .keys()
            .filter(|name| kind(&classify(name)))
            .cloned()
            .collect()
    }
}

pub(super) fn create(path: &str, data: &[u8]) -> ClientOp {
    ClientOp::Create {
        path: path.to_string(),
        data: data.to_vec(),
        mode: CreateMode::Persistent,
    }
}

fn get(path: &str) -> ClientOp {
    ClientOp::GetData {
        path: path.to_string(),
        watch: false,
    }
}

fn has_reply(outputs: &[Output], conn: u64) -> bool {
    outputs
        .iter()
        .any(|output| matches!(output, Output::Reply { conn: to, .. } if *to == ConnId(conn)))
}

fn is_log_fsync(op: &DiskOp) -> bool {
    matches!(op, DiskOp::Fsync { file } if matches!(classify(file), FileKind::Log(_)))
}

/// Completes requests one at a time; the reply to `conn` must come with the
/// request that ends the log's fsync sequence (the fsync, or the directory
/// fsync of a new file that follows it), never earlier. (The durability hint
/// may be written after it; no reply waits for that.)
fn assert_reply_waits_for_fsync(driver: &mut Driver, conn: u64) {
    assert!(
        driver.pending.iter().any(|(_, op)| is_log_fsync(op)),
        "an fsync is issued"
    );
    let mut fsync_done = false;
    while let Some((_, op)) = driver.pending.front().cloned() {
        if is_log_fsync(&op) {
            assert!(
                driver.replies_to(conn).is_empty(),
                "no reply while the fsync is outstanding"
            );
        }
        let next_is_dir_sync = matches!(driver.pending.get(1), Some((_, DiskOp::FsyncDir)));
        let ends_sequence = (is_log_fsync(&op) && !next_is_dir_sync)
            || (fsync_done && matches!(op, DiskOp::FsyncDir) && driver.replies_to(conn).is_empty());
        let outputs = driver.complete_next();
        fsync_done |= is_log_fsync(&op);
        if driver.replies_to(conn).len() <= 1 {
            assert_eq!(
                has_reply(&outputs, conn),
                ends_sequence && driver.replies_to(conn).len() == 1,
                "reply after {op:?}?"
            );
        }
        assert!(!has_reply(&outputs, conn) || fsync_done);
    }
    assert_eq!(driver.replies_to(conn).len(), 1);
}

#[test]
fn a_session_and_a_write_are_answered_only_after_their_fsync() {
    let mut driver = Driver::serving(config());
    driver.request(
        1,
        Request::Connect {
            session: None,
            timeout_ms: 10_000,
            last_zxid_seen: Zxid::ZERO,
        },
    );
    // The first record opens a new file: its sync ends with a directory fsync.
    assert!(matches!(driver.pending.back(), Some((_, DiskOp::FsyncDir))));
    assert_reply_waits_for_fsync(&mut driver, 1);
    driver.replies.clear();

    driver.op(1, 1, create("/a", b"one"));
    assert!(driver.replies.is_empty());
    assert_reply_waits_for_fsync(&mut driver, 1);
    let reply = &driver.replies_to(1)[0];
    assert!(matches!(&reply.outcome, Ok(OpResult::Created { path, .. }) if path == "/a"));
    assert_eq!(reply.zxid, driver.server.durable_zxid());
}

#[test]
fn reads_wait_behind_their_connections_writes_only() {
    let mut driver = Driver::serving(config());
    driver.connect(1);
    driver.connect(2);
    driver.replies.clear();

    driver.op(1, 1, create("/x", b"data"));
    driver.op(1, 2, get("/x"));
    assert!(
        driver.replies.is_empty(),
        "the read waits for the write before it"
    );
    let outputs = driver.op(2, 1, get("/x"));
    assert!(
        has_reply(&outputs, 2),
        "another connection's read is answered at once"
    );
    assert_eq!(driver.replies_to(2)[0].outcome, Err(ErrorCode::NoNode));

    // The write and the read behind it are answered in the same step, in order.
    let mut answered_in = None;
    while !driver.pending.is_empty() {
        let outputs = driver.complete_next();
        if has_reply(&outputs, 1) {
            answered_in = Some(outputs);
        }
    }
    let outputs = answered_in.expect("answered");
    let cxids: Vec<u32> = outputs
        .iter()
        .filter_map(|output| match output {
            Output::Reply { conn, reply } if *conn == ConnId(1) => Some(reply.cxid),
            _ => None,
        })
        .collect();
    assert_eq!(cxids, vec![1, 2]);
    let read = &driver.replies_to(1)[1];
    assert!(matches!(&read.outcome, Ok(OpResult::GetData { data, .. }) if data == b"data"));
}

fn snapshot_config() -> ServerConfig {
    ServerConfig {
        snapshot_every_txns: 4,
        snapshot_chunk_nodes: 2,
        log_roll_bytes: 1024,
        snapshot_retain: 1,
        ..config()
    }
}

/// Fails the `fail_at`-th disk request (counting from startup's first) of the scripted run.
struct FailingDriver {
    driver: Driver,
    completed: usize,
    fail_at: usize,
}

impl FailingDriver {
    fn settle(&mut self) {
        while let Some((io, op)) = self.driver.pending.pop_front() {
            if self.driver.halted.is_some() {
                return;
            }
            if self.completed == self.fail_at {
                let outputs = self.driver.step(Input::DiskFailed {
                    io,
                    error: DiskError::Io,
                });
                assert!(
                    outputs
                        .iter()
                        .any(|output| matches!(output, Output::Halted { .. })),
                    "{op:?} failed without a halt"
                );
                return;
            }
            self.completed += 1;
            self.driver
                .disk
                .execute(&op)
                .expect("the test disk executes it");
            self.driver.step(Input::DiskDone { io });
        }
    }
}

#[test]
fn any_disk_failure_halts_the_server_for_good() {
    let (driver, _) = Driver::start(snapshot_config(), DataDirImage::new());
    let mut clean = FailingDriver {
        driver,
        completed: 0,
        fail_at: usize::MAX,
    };
    clean.settle();
    run_scripted_failing(&mut clean);
    assert!(clean.driver.halted.is_none());
    assert!(clean
        .driver
        .notes
        .iter()
        .any(|note| matches!(note, Note::SnapshotDone { .. })));
    assert!(clean
        .driver
        .notes
        .iter()
        .any(|note| matches!(note, Note::Purged { .. })));
    for fail_at in 0..clean.completed {
        let (driver, _) = Driver::start(snapshot_config(), DataDirImage::new());
        let mut failing = FailingDriver {
            driver,
            completed: 0,
            fail_at,
        };
        failing.settle();
        if failing.driver.halted.is_none() {
            run_scripted_failing(&mut failing);
        }
        assert_eq!(failing.completed, fail_at);
        assert!(
            failing.driver.halted.is_some(),
            "request {fail_at} failed: halted"
        );
        assert_eq!(failing.driver.server.phase(), Phase::Halted);
        // Everything after the halt is ignored: no output, no panic.
        let before = failing.driver.server.disk_requests_outstanding();
        for input in [
            Input::Request {
                conn: ConnId(9),
                request: Request::Connect {
                    session: None,
                    timeout_ms: 1,
                    last_zxid_seen: Zxid::ZERO,
                },
            },
            Input::Request {
                conn: ConnId(1),
                request: Request::Op {
                    cxid: 7,
                    op: get("/"),
                },
            },
            Input::DiskDone { io: IoId(u64::MAX) },
            Input::DiskFailed {
                io: IoId(1),
                error: DiskError::NoSpace,
            },
            Input::Disconnected { conn: ConnId(1) },
            Input::Tick,
        ] {
            assert!(
                failing.driver.step(input).is_empty(),
                "a halted server is silent"
            );
        }
        assert_eq!(failing.driver.server.disk_requests_outstanding(), before);
    }
}

/// Connect, writes (with snapshots, rolls and purges), a read and a close,
/// every disk request completed through the failing driver.
fn run_scripted_failing(failing: &mut FailingDriver) {
    failing.driver.request(
        1,
        Request::Connect {
            session: None,
            timeout_ms: 10_000,
            last_zxid_seen: Zxid::ZERO,
        },
    );
    failing.settle();
    for index in 0..12u32 {
        if failing.driver.halted.is_some() {
            return;
        }
        failing.driver.op(
            1,
            index + 1,
            create(&format!("/n{index}"), &[index as u8; 40]),
        );
        if index % 3 == 0 {
            failing.settle();
        }
    }
    if failing.driver.halted.is_none() {
        failing.driver.op(1, 100, get("/n1"));
        failing.driver.request(1, Request::Close { cxid: 101 });
        failing.settle();
    }
}

/// A deterministic stream of choices (splitmix64).
struct Choices(u64);

impl Choices {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % bound
    }
}

/// A write from a small path space, with payloads big enough to cross sectors.
fn random_write(choices: &mut Choices) -> ClientOp {
    let paths = ["/a", "/b", "/a/x", "/a/y", "/b/z", "/c"];
    let path = paths[choices.below(paths.len() as u64) as usize].to_string();
    let data = vec![choices.below(256) as u8; choices.below(300) as usize];
    match choices.below(6) {
        0 | 1 => ClientOp::Create {
            path,
            data,
            mode: CreateMode::Persistent,
        },
        2 => ClientOp::Create {
            path,
            data,
            mode: CreateMode::EphemeralSequential,
        },
        3 => ClientOp::Delete { path, version: -1 },
        _ => ClientOp::SetData {
            path,
            data,
            version: -1,
        },
    }
}

fn assert_recovers_to_live_tree(driver: &Driver) {
    assert!(driver.pending.is_empty(), "checked at quiescence");
    assert_eq!(driver.server.durable_zxid(), driver.server.last_zxid());
    let recovered = driver.recover();
    assert!(recovered.torn_tail.is_none());
    assert!(
        recovered.snapshots_rejected.is_empty(),
        "{:?}",
        recovered.snapshots_rejected
    );
    assert_eq!(recovered.last_zxid, driver.server.last_zxid());
    assert_eq!(recovered.tree.digest(), driver.server.tree().digest());
    assert!(
        recovered.tree == *driver.server.tree(),
        "{:?}",
        recovered.tree.first_difference(driver.server.tree())
    );
}

/// Writes from three connections, disk requests completed a few at a time so
/// that group commits, log rolls and fuzzy snapshots overlap.
fn churn(
    driver: &mut Driver,
    choices: &mut Choices,
    writes: u32,
    mut after_snapshot: impl FnMut(&mut Driver),
) {
    let conns = [1u64, 2, 3];
    for conn in conns {
        driver.connect(conn);
    }
    let mut snapshots_seen = 0;
    for cxid in 1..=writes {
        let conn = conns[choices.below(3) as usize];
        driver.op(conn, cxid, random_write(choices));
        if choices.below(40) == 0 {
            driver.request(
                conn,
                Request::Close {
                    cxid: cxid + 100_000,
                },
            );
            driver.settle();
            driver.connect(conn);
        }
        for _ in 0..choices.below(6) {
            if driver.pending.is_empty() {
                break;
            }
            driver.complete_next();
        }
        let done = driver
            .notes
            .iter()
            .filter(|note| matches!(note, Note::SnapshotDone { .. }))
            .count();
        if done > snapshots_seen {
            snapshots_seen = done;
            driver.settle();
            after_snapshot(driver);
        }
    }
    driver.settle();
    assert!(driver.halted.is_none(), "{:?}", driver.halted);
}

#[test]
fn snapshots_and_purge_keep_the_directory_recoverable() {
    let config = ServerConfig {
        snapshot_every_txns: 20,
        snapshot_chunk_nodes: 2,
        log_roll_bytes: 2048,
        snapshot_retain: 2,
        ..config()
    };
    let retain = config.snapshot_retain;
    let mut driver = Driver::serving(config);
    let mut choices = Choices(42);
    let mut checks = 0;
    churn(&mut driver, &mut choices, 400, |driver| {
        assert_recovers_to_live_tree(driver);
        let snapshots = driver.files_of_kind(|kind| matches!(kind, FileKind::Snapshot(_)));
        assert!(
            !snapshots.is_empty() && snapshots.len() <= retain,
            "{snapshots:?}"
        );
        assert!(driver.recover().snapshot_used.is_some());
        checks += 1;
    });
    assert!(checks >= 5, "only {checks} snapshots completed");
    assert_recovers_to_live_tree(&driver);
    let rolled = driver
        .notes
        .iter()
        .filter(|note| matches!(note, Note::LogRolled { .. }))
        .count();
    assert!(rolled >= 5, "the log rolled {rolled} times");
    let purged = driver
        .notes
        .iter()
        .filter(|note| matches!(note, Note::Purged { .. }))
        .count();
    assert!(purged > 0, "purge removed files");
    let logs = driver.files_of_kind(|kind| matches!(kind, FileKind::Log(_)));
    assert!(logs.len() < rolled, "old logs were purged: {logs:?}");
}

#[test]
fn log_writes_never_touch_a_fsynced_sector() {
    let config = ServerConfig {
        snapshot_every_txns: 50,
        log_roll_bytes: 8 * 1024,
        ..config()
    };
    let mut driver = Driver::serving(config);
    churn(&mut driver, &mut Choices(7), 300, |_| {});
    // The driver checked every completed log write. A group commit is one
    // padded write, so each starts on a sector boundary, but for a file's
    // first batch, which continues its header.
    let aligned: u64 = driver.log_writes.values().map(|file| file.aligned).sum();
    let continued: u64 = driver.log_writes.values().map(|file| file.continued).sum();
    let files = driver.log_writes.len() as u64;
    assert!(
        aligned > 50 && continued <= files,
        "aligned {aligned}, continued {continued}, {files} files"
    );
    for (name, file) in &driver.log_writes {
        assert_eq!(
            file.durable_end, file.write_end,
            "{name}: every byte written is fsynced at quiescence"
        );
    }
}

/// A directory left by a server, then a crash that tore the active log's tail.
fn torn_image() -> (DataDirImage, String, u64) {
    let mut driver = Driver::serving(config());
    driver.connect(1);
    for cxid in 1..=6 {
        driver.op(1, cxid, create(&format!("/t{cxid}"), &[7; 100]));
        driver.settle();
    }
    let mut image = driver.disk.files.clone();
    let log = driver
        .files_of_kind(|kind| matches!(kind, FileKind::Log(_)))
        .pop()
        .expect("a log");
    let bytes = image.get_mut(&log).expect("exists");
    let valid_len = bytes.len() as u64;
    assert!(valid_len.is_multiple_of(SECTOR_BYTES));
    bytes.extend_from_slice(&[0xa5; 300]);
    (image, log, valid_len)
}

#[test]
fn startup_truncates_a_torn_tail_before_the_epoch_files() {
    let (image, log, valid_len) = torn_image();
    let recovered = recover(&image, DBID).expect("a torn tail recovers");
    let torn = recovered.torn_tail.clone().expect("torn tail found");
    assert_eq!(
        (torn.file.as_str(), torn.valid_bytes),
        (log.as_str(), valid_len)
    );
    let (mut driver, outputs) = Driver::start_recovered(config(), image, recovered);
    let ops: Vec<&DiskOp> = outputs
        .iter()
        .filter_map(|output| match output {
            Output::Disk { op, .. } => Some(op),
            _ => None,
        })
        .collect();
    let position = |wanted: &dyn Fn(&DiskOp) -> bool| ops.iter().position(|op| wanted(op));
    let truncate = position(
        &|op| matches!(op, DiskOp::Truncate { file, len } if *file == log && *len == valid_len),
    )
    .expect("a truncate to the aligned valid length");
    let fsync =
        position(&|op| matches!(op, DiskOp::Fsync { file } if *file == log)).expect("its fsync");
    // The repair is made durable (truncate, fsync, directory fsync) before the
    // replica even elects itself, so before any epoch file is written.
    let dir_sync = position(&|op| matches!(op, DiskOp::FsyncDir)).expect("a directory fsync");
    assert!(truncate < fsync && fsync < dir_sync, "{ops:?}");
    assert!(
        !ops.iter().any(|op| op
            .file()
            .is_some_and(|file| file.starts_with(ACCEPTED_EPOCH))),
        "no epoch file before the repair is durable: {ops:?}"
    );
    assert!(outputs
        .iter()
        .any(|output| matches!(output, Output::Note(Note::TornTailTruncated { .. }))));
    driver.settle();
    assert_eq!(driver.server.phase(), Phase::Serving);
    let after = driver.recover();
    assert!(after.torn_tail.is_none(), "{:?}", after.torn_tail);
    assert!(after.tree == *driver.server.tree());
    // And the repaired server keeps working.
    let session = driver.connect(2);
    assert_ne!(session, SessionId(0));
    assert_recovers_to_live_tree(&driver);
}

#[test]
fn a_restarted_server_moves_to_a_new_epoch_and_keeps_its_state() {
    let mut driver = Driver::serving(config());
    driver.connect(1);
    driver.op(1, 1, create("/kept", b"v"));
    driver.settle();
    let before = driver.server.tree().clone();
    let epoch = driver.server.current_epoch();
    let (mut restarted, _) = Driver::start(config(), driver.disk.files.clone());
    restarted.settle();
    assert_eq!(restarted.server.phase(), Phase::Serving);
    assert!(restarted.server.current_epoch() > epoch);
    assert!(*restarted.server.tree() == before);
    // The old session survives the restart (its timeout is not modelled here).
    let session = *before.sessions().keys().next().expect("a session");
    restarted.request(
        5,
        Request::Connect {
            session: Some(session),
            timeout_ms: 10_000,
            last_zxid_seen: Zxid::ZERO,
        },
    );
    assert!(matches!(
        restarted.replies_to(5)[0].outcome,
        Ok(OpResult::SessionCreated {
            session: resumed, ..
        }) if resumed == session
    ));
    restarted.op(5, 1, create("/after", b""));
    restarted.settle();
    let zxid: Zxid = restarted.server.last_zxid();
    assert_eq!(zxid.epoch(), restarted.server.current_epoch());
    assert_recovers_to_live_tree(&restarted);
}
