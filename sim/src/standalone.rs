//! The same core, run on a real directory: a replica of an ensemble of one,
//! driven synchronously, each disk request executed with `RealDir` before the
//! next input. Useful outside the simulator (and for `datadir` tools later).
//!
//! Time is the caller's: `set_time_ms` feeds the core's clock (znode ctime and
//! mtime); nothing here reads a wall clock.

use crate::realfs::RealDir;
use std::collections::VecDeque;
use std::fmt;
use std::path::Path;
use zksim_core::ids::{ConnId, NodeId, SessionId, Zxid};
use zksim_core::peer::store::StoreConfig;
use zksim_core::peer::{Peer, PeerConfig};
use zksim_core::persist::{recover, Recovered, RecoveryError};
use zksim_core::request::{ClientOp, OpOutcome, OpResult};
use zksim_core::server::{Input, Output, Phase, Reply, Request};

/// The most inputs one request may take before we call the server stuck.
const STEPS_PER_REQUEST_MAX: usize = 1_000_000;

#[derive(Debug)]
pub enum LocalError {
    /// The directory could not be read.
    Io(std::io::Error),
    /// The data directory is damaged; the server will not start.
    Recovery(RecoveryError),
    /// The server halted itself (a disk request failed).
    Halted(String),
    /// The server did not answer (a bug: every request is answered).
    NoReply,
}

impl fmt::Display for LocalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocalError::Io(error) => write!(f, "cannot read the data directory: {error}"),
            LocalError::Recovery(error) => write!(f, "the data directory is damaged: {error}"),
            LocalError::Halted(reason) => write!(f, "the server halted: {reason}"),
            LocalError::NoReply => write!(f, "the server did not answer"),
        }
    }
}

impl std::error::Error for LocalError {}

pub struct LocalServer {
    dir: RealDir,
    server: Peer,
    now_ms: u64,
    next_conn: u64,
    next_cxid: u32,
    replies: VecDeque<(ConnId, Reply)>,
    pending: VecDeque<Input>,
}

/// A client's session on a `LocalServer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalSession {
    pub conn: ConnId,
    pub session: SessionId,
}

impl LocalServer {
    /// Recovers from `path` (created if missing) and starts serving.
    pub fn open(path: &Path, store: StoreConfig) -> Result<(LocalServer, Recovered), LocalError> {
        let dir = RealDir::open(path).map_err(LocalError::Io)?;
        let image = dir.image().map_err(LocalError::Io)?;
        let recovered = recover(&image, store.dbid).map_err(LocalError::Recovery)?;
        let config = PeerConfig {
            id: NodeId(0),
            members: vec![NodeId(0)],
            store,
            init_limit_ticks: 10,
            sync_limit_ticks: 5,
            finalize_wait_ticks: 2,
            committed_log_txns: 0,
            tick_ms: 100,
            bugs: zksim_core::bugs::Bugs::none(),
        };
        let server = Peer::start(config, recovered.clone(), 0);
        let mut local = LocalServer {
            dir,
            server,
            now_ms: 0,
            next_conn: 0,
            next_cxid: 0,
            replies: VecDeque::new(),
            pending: VecDeque::new(),
        };
        local.run_until_idle()?;
        assert_eq!(
            local.server.phase(),
            Phase::Serving,
            "startup completes once its disk requests do"
        );
        Ok((local, recovered))
    }

    pub fn set_time_ms(&mut self, now_ms: u64) {
        self.now_ms = self.now_ms.max(now_ms);
    }

    pub fn server(&self) -> &Peer {
        &self.server
    }

    /// Opens a new session.
    pub fn connect(&mut self, timeout_ms: u32) -> Result<LocalSession, LocalError> {
        self.next_conn += 1;
        let conn = ConnId(self.next_conn);
        let reply = self.call(
            conn,
            Request::Connect {
                session: None,
                timeout_ms,
                last_zxid_seen: Zxid::ZERO,
            },
        )?;
        match reply.outcome {
            Ok(OpResult::SessionCreated { session, .. }) => Ok(LocalSession { conn, session }),
            other => panic!("a new session is always created, got {other:?}"),
        }
    }

    /// Runs one operation and returns its outcome once durable (for writes).
    pub fn request(
        &mut self,
        session: LocalSession,
        op: ClientOp,
    ) -> Result<OpOutcome, LocalError> {
        self.next_cxid += 1;
        let cxid = self.next_cxid;
        let reply = self.call(session.conn, Request::Op { cxid, op })?;
        assert_eq!(reply.cxid, cxid);
        Ok(reply.outcome)
    }

    pub fn close(&mut self, session: LocalSession) -> Result<OpOutcome, LocalError> {
        self.next_cxid += 1;
        let cxid = self.next_cxid;
        Ok(self.call(session.conn, Request::Close { cxid })?.outcome)
    }

    fn call(&mut self, conn: ConnId, request: Request) -> Result<Reply, LocalError> {
        self.pending.push_back(Input::Request { conn, request });
        self.run_until_idle()?;
        let index = self
            .replies
            .iter()
            .position(|(to, _)| *to == conn)
            .ok_or(LocalError::NoReply)?;
        Ok(self.replies.remove(index).expect("found").1)
    }

    /// Feeds inputs, executing every disk request in order, until nothing is left.
    fn run_until_idle(&mut self) -> Result<(), LocalError> {
        let mut outputs = Vec::new();
        self.server.take_outputs(&mut outputs);
        let mut steps = 0;
        loop {
            for output in outputs.drain(..) {
                match output {
                    Output::Disk { io, op } => match self.dir.apply(&op) {
                        Ok(()) => self.pending.push_back(Input::DiskDone { io }),
                        Err(error) => self.pending.push_back(Input::DiskFailed { io, error }),
                    },
                    Output::Reply { conn, reply } => self.replies.push_back((conn, reply)),
                    Output::Halted { reason } => return Err(LocalError::Halted(reason)),
                    Output::Note(_) | Output::CloseConnection { .. } | Output::Watch { .. } => {}
                    Output::Send { .. } => unreachable!("an ensemble of one sends no messages"),
                }
            }
            let Some(input) = self.pending.pop_front() else {
                return Ok(());
            };
            steps += 1;
            assert!(steps < STEPS_PER_REQUEST_MAX, "server did not settle");
            self.server.step(self.now_ms, input);
            self.server.check_invariants();
            self.server.take_outputs(&mut outputs);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zksim_core::tree::CreateMode;

    fn config() -> StoreConfig {
        StoreConfig {
            dbid: 7,
            snapshot_every_txns: 20,
            snapshot_chunk_nodes: 4,
            log_roll_bytes: 4096,
            snapshot_retain: 2,
            entropy: 1,
            ack_before_fsync: false,
            bugs: zksim_core::bugs::Bugs::none(),
        }
    }

    fn create(path: &str, data: &[u8]) -> ClientOp {
        ClientOp::Create {
            path: path.into(),
            data: data.to_vec(),
            mode: CreateMode::Persistent,
        }
    }

    #[test]
    fn writes_survive_a_restart_on_a_real_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let digest = {
            let (mut local, recovered) = LocalServer::open(dir.path(), config()).expect("opens");
            assert_eq!(recovered.tree.node_count(), 1);
            let session = local.connect(10_000).expect("session");
            for i in 0..100 {
                local.set_time_ms(i);
                let outcome = local
                    .request(session, create(&format!("/n{i}"), b"v"))
                    .expect("answered");
                assert!(
                    matches!(outcome, Ok(OpResult::Created { .. })),
                    "{outcome:?}"
                );
                let outcome = local.request(
                    session,
                    ClientOp::SetData {
                        path: format!("/n{i}"),
                        data: b"w".to_vec(),
                        version: 0,
                    },
                );
                assert!(matches!(outcome, Ok(Ok(OpResult::SetData { .. }))));
            }
            local.server().tree().digest()
            // Dropped without closing: as if the process died.
        };
        let (local, recovered) = LocalServer::open(dir.path(), config()).expect("reopens");
        assert_eq!(recovered.tree.digest(), digest);
        assert_eq!(
            local.server().tree().node("/n99").expect("present").data,
            b"w"
        );
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("listable")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .into_string()
                    .expect("utf-8")
            })
            .collect();
        assert!(
            names.iter().any(|name| name.starts_with("snapshot.")),
            "{names:?}"
        );
        assert!(
            names
                .iter()
                .filter(|name| name.starts_with("snapshot."))
                .count()
                <= 2,
            "{names:?}"
        );
        assert!(names.iter().any(|name| name == "currentEpoch"), "{names:?}");
    }

    #[test]
    fn a_corrupted_log_is_reported_not_loaded() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let mut config = config();
            config.snapshot_every_txns = 0;
            let (mut local, _) = LocalServer::open(dir.path(), config).expect("opens");
            let session = local.connect(10_000).expect("session");
            for i in 0..40 {
                local
                    .request(session, create(&format!("/n{i}"), &[b'x'; 100]))
                    .expect("answered")
                    .expect("created");
            }
        }
        let log = std::fs::read_dir(dir.path())
            .expect("listable")
            .map(|entry| entry.expect("entry").path())
            .find(|path| {
                path.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("log."))
            })
            .expect("a log file");
        let mut bytes = std::fs::read(&log).expect("readable");
        bytes[600] ^= 0x10; // inside an early, fsynced batch
        std::fs::write(&log, bytes).expect("writable");
        match LocalServer::open(dir.path(), config()) {
            Err(LocalError::Recovery(error)) => {
                let text = error.to_string();
                assert!(text.contains("log."), "{text}");
            }
            Err(other) => panic!("expected a recovery error, got {other}"),
            Ok(_) => panic!("a corrupted log must not load"),
        }
    }
}
