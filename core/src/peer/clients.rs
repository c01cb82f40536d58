//! Client connections on a replica. Writes go to the leader (proposed there,
//! forwarded from a follower) and are answered when this replica applies the
//! matching txn; reads are answered from the local tree, in request order per
//! connection; a sync is answered once the leader has confirmed its position
//! and this replica has applied up to it. A replica that is not serving
//! refuses requests; one that stops serving closes every connection (clients
//! reconnect, maybe elsewhere). A session that has seen newer state than this
//! replica holds is refused (ZooKeeper's "client has seen zxid" check).

use super::messages::{Forwarded, PeerMessage};
use super::sessions::negotiate_timeout_ms;
use super::watches::Watches;
use super::{Peer, Role};
use crate::bugs::PlantedBug;
use crate::ids::{ConnId, NodeId, SessionId, Zxid};
use crate::persist::LogRecord;
use crate::request::{ClientOp, OpOutcome, OpResult};
use crate::server::{Output, Reply, Request};
use crate::tree::ErrorCode;
use crate::txn::Txn;
use crate::watch::{WatchEvent, WatchType};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

#[derive(Debug)]
enum Pending {
    /// A write (or session close) of `session` with this cxid, until its txn applies here.
    Write {
        session: SessionId,
        cxid: u32,
    },
    /// A new session, until its createSession txn (carrying `token` as cxid) applies here.
    Connect {
        token: u32,
    },
    Read {
        cxid: u32,
        op: ClientOp,
    },
    /// A sync, until the leader names its zxid (`target`) and this replica has applied it.
    Sync {
        cxid: u32,
        path: String,
        token: u32,
        target: Option<Zxid>,
    },
}

#[derive(Debug, Default)]
struct Conn {
    session: Option<SessionId>,
    queue: VecDeque<Pending>,
}

#[derive(Debug)]
pub struct Clients {
    node: NodeId,
    conns: BTreeMap<ConnId, Conn>,
    /// Writes awaiting their txn: (session, cxid) → connection.
    writes: BTreeMap<(SessionId, u32), ConnId>,
    /// New sessions awaiting their txn: token → connection.
    connects: BTreeMap<u32, ConnId>,
    /// Syncs awaiting the leader: token → connection.
    syncs: BTreeMap<u32, ConnId>,
    pub(super) watches: Watches,
    /// Watch events held back until the next tick (only by a planted bug).
    delayed_events: Vec<(ConnId, WatchEvent)>,
    next_token: u32,
}

impl Clients {
    pub fn new(node: NodeId) -> Clients {
        Clients {
            node,
            conns: BTreeMap::new(),
            writes: BTreeMap::new(),
            connects: BTreeMap::new(),
            syncs: BTreeMap::new(),
            watches: Watches::default(),
            delayed_events: Vec::new(),
            next_token: 0,
        }
    }

    /// A cxid that names a request of this replica uniquely: its id in the top byte.
    fn new_token(&mut self) -> u32 {
        self.next_token = (self.next_token + 1) & 0x00ff_ffff;
        ((self.node.0 & 0xff) << 24) | self.next_token
    }

    pub fn disconnect(&mut self, conn: ConnId) {
        if self.conns.remove(&conn).is_some() {
            self.writes.retain(|_, owner| *owner != conn);
            self.connects.retain(|_, owner| *owner != conn);
            self.syncs.retain(|_, owner| *owner != conn);
            self.watches.remove_conn(conn);
            self.delayed_events.retain(|(owner, _)| *owner != conn);
        }
    }

    /// Closes every connection; returns them.
    pub fn close_all(&mut self) -> Vec<ConnId> {
        self.writes.clear();
        self.connects.clear();
        self.syncs.clear();
        self.watches.clear();
        self.delayed_events.clear();
        std::mem::take(&mut self.conns).into_keys().collect()
    }

    /// The sessions with a connection here, each once (reported to the leader to keep them alive).
    pub fn sessions(&self) -> Vec<SessionId> {
        let sessions: BTreeSet<SessionId> = self
            .conns
            .values()
            .filter_map(|conn| conn.session)
            .collect();
        sessions.into_iter().collect()
    }

    fn connections_of(&self, session: SessionId) -> Vec<ConnId> {
        self.conns
            .iter()
            .filter(|(_, state)| state.session == Some(session))
            .map(|(conn, _)| *conn)
            .collect()
    }
}

impl Peer {
    pub(super) fn on_client_request(&mut self, conn: ConnId, request: Request) {
        if !self.serving() {
            let cxid = match &request {
                Request::Connect { .. } => 0,
                Request::Op { cxid, .. }
                | Request::Close { cxid }
                | Request::SetWatches { cxid, .. } => *cxid,
            };
            self.reply(conn, cxid, Err(ErrorCode::ConnectionLoss));
            self.close_connection(conn);
            return;
        }
        match request {
            Request::Connect {
                session,
                timeout_ms,
                last_zxid_seen,
            } => self.on_connect(conn, session, timeout_ms, last_zxid_seen),
            Request::Op { cxid, op } => self.on_op(conn, cxid, op),
            Request::Close { cxid } => {
                let Some(session) = self.clients.conns.get(&conn).and_then(|c| c.session) else {
                    self.reply(conn, cxid, Err(ErrorCode::SessionExpired));
                    return;
                };
                self.submit_write(conn, session, cxid, Forwarded::CloseSession);
            }
            Request::SetWatches {
                cxid,
                relative_zxid,
                data,
                exist,
                child,
            } => {
                if self
                    .clients
                    .conns
                    .get(&conn)
                    .and_then(|c| c.session)
                    .is_none()
                {
                    self.reply(conn, cxid, Err(ErrorCode::SessionExpired));
                    return;
                }
                // The planted bug compares with a zxid from the future: nothing fires.
                let relative_zxid = if self.config.bugs.has(PlantedBug::SetWatchesIgnoresZxid) {
                    Zxid(u64::MAX)
                } else {
                    relative_zxid
                };
                let fired = self.clients.watches.set_watches(
                    self.store.tree(),
                    conn,
                    relative_zxid,
                    &data,
                    &exist,
                    &child,
                );
                for event in fired {
                    self.outputs.push(Output::Watch { conn, event });
                }
                self.reply(conn, cxid, Ok(OpResult::WatchesSet));
            }
        }
    }

    fn on_connect(
        &mut self,
        conn: ConnId,
        session: Option<SessionId>,
        timeout_ms: u32,
        last_zxid_seen: Zxid,
    ) {
        let state = self.clients.conns.entry(conn).or_default();
        if state.session.is_some() || !state.queue.is_empty() {
            self.reply(conn, 0, Err(ErrorCode::BadArguments));
            return;
        }
        // The client has seen a newer state than this replica holds: serving it
        // would take it back in time. ZooKeeper refuses; the client tries another.
        let behind = last_zxid_seen > self.store.tree().last_processed_zxid();
        if behind && !self.config.bugs.has(PlantedBug::StaleReadAfterReconnect) {
            self.reply(conn, 0, Err(ErrorCode::ConnectionLoss));
            self.close_connection(conn);
            return;
        }
        match session {
            None => {
                let token = self.clients.new_token();
                self.clients
                    .conns
                    .get_mut(&conn)
                    .expect("inserted")
                    .queue
                    .push_back(Pending::Connect { token });
                self.clients.connects.insert(token, conn);
                let timeout_ms = negotiate_timeout_ms(timeout_ms, self.config.tick_ms);
                self.submit(
                    SessionId::NONE,
                    token,
                    Forwarded::CreateSession { timeout_ms },
                );
            }
            Some(session) => match self.store.tree().sessions().get(&session).copied() {
                Some(timeout_ms) => {
                    self.clients.conns.get_mut(&conn).expect("inserted").session = Some(session);
                    self.leader_touch(session);
                    let resumed = OpResult::SessionCreated {
                        session,
                        timeout_ms,
                    };
                    self.reply(conn, 0, Ok(resumed));
                }
                None => self.reply(conn, 0, Err(ErrorCode::SessionExpired)),
            },
        }
    }

    fn on_op(&mut self, conn: ConnId, cxid: u32, op: ClientOp) {
        let state = self.clients.conns.entry(conn).or_default();
        let Some(session) = state.session else {
            self.reply(conn, cxid, Err(ErrorCode::SessionExpired));
            return;
        };
        if op.is_write() {
            self.submit_write(conn, session, cxid, Forwarded::Op(op));
        } else if let ClientOp::Sync { path } = op {
            let token = self.clients.new_token();
            let state = self.clients.conns.get_mut(&conn).expect("has a session");
            state.queue.push_back(Pending::Sync {
                cxid,
                path,
                token,
                target: None,
            });
            self.clients.syncs.insert(token, conn);
            self.request_sync(token);
        } else if state.queue.is_empty() {
            self.answer_read(conn, cxid, &op);
        } else {
            state.queue.push_back(Pending::Read { cxid, op });
        }
    }

    /// Reads the local tree, leaves the watch asked for, and replies.
    fn answer_read(&mut self, conn: ConnId, cxid: u32, op: &ClientOp) {
        let outcome = self.store.tree().read(op);
        let watch = match op {
            ClientOp::GetData { path, watch: true } if outcome.is_ok() => {
                Some((WatchType::Data, path))
            }
            ClientOp::Exists { path, watch: true } if outcome.is_ok() => {
                Some((WatchType::Data, path))
            }
            ClientOp::GetChildren { path, watch: true } if outcome.is_ok() => {
                Some((WatchType::Child, path))
            }
            _ => None,
        };
        if let Some((kind, path)) = watch {
            self.clients.watches.add(kind, path, conn);
        }
        self.reply(conn, cxid, outcome);
    }

    fn submit_write(&mut self, conn: ConnId, session: SessionId, cxid: u32, request: Forwarded) {
        let state = self
            .clients
            .conns
            .get_mut(&conn)
            .expect("a connection with a session");
        state.queue.push_back(Pending::Write { session, cxid });
        self.clients.writes.insert((session, cxid), conn);
        self.submit(session, cxid, request);
    }

    /// Proposes here if leading, else forwards to the leader.
    fn submit(&mut self, session: SessionId, cxid: u32, request: Forwarded) {
        match &self.role {
            Role::Leading(_) => {
                self.leader_touch(session);
                self.leader_propose(session, cxid, request)
            }
            Role::Following(_) => self.follower_forward(PeerMessage::Forward {
                session,
                cxid,
                request,
            }),
            Role::Looking(_) => unreachable!("a looking replica serves no client"),
        }
    }

    /// Answers the clients whose txns were just applied here. Every watch the
    /// batch fires goes out first: a reply after it may show any of its changes.
    pub(super) fn on_applied(&mut self, applied: Vec<(LogRecord, OpOutcome)>) {
        let mut fired = Vec::new();
        for (record, _) in &applied {
            self.clients
                .watches
                .trigger(&record.txn, record.zxid(), &mut fired);
        }
        if self.config.bugs.has(PlantedBug::WatchAfterRead) {
            self.clients.delayed_events.extend(fired);
        } else {
            for (conn, event) in fired {
                self.outputs.push(Output::Watch { conn, event });
            }
        }
        for (record, outcome) in applied {
            self.answer_applied(record, outcome);
        }
        self.answer_ready_syncs();
    }

    fn answer_applied(&mut self, record: LogRecord, outcome: OpOutcome) {
        let header = record.header;
        let conn = match &*record.txn {
            Txn::CreateSession { .. } => self.clients.connects.remove(&header.cxid),
            _ => self.clients.writes.remove(&(header.session, header.cxid)),
        };
        let Some(conn) = conn.filter(|conn| self.clients.conns.contains_key(conn)) else {
            if matches!(*record.txn, Txn::CloseSession { .. }) {
                // Expired by the leader: the session's connections here end.
                for conn in self.clients.connections_of(header.session) {
                    self.close_connection(conn);
                }
            }
            return;
        };
        let state = self.clients.conns.get_mut(&conn).expect("filtered");
        match state.queue.pop_front() {
            Some(Pending::Write { session, cxid }) => {
                assert_eq!(
                    (session, cxid),
                    (header.session, header.cxid),
                    "writes answered in order"
                );
            }
            Some(Pending::Connect { token }) => {
                assert_eq!(token, header.cxid, "sessions answered in order");
                state.session = Some(header.session);
            }
            other => panic!("connection queue out of step at {}: {other:?}", header.zxid),
        }
        if matches!(outcome, Ok(OpResult::SessionClosed)) {
            state.session = None;
        }
        let cxid = if matches!(*record.txn, Txn::CreateSession { .. }) {
            0
        } else {
            header.cxid
        };
        // A write's reply carries its own zxid, even when applied in a batch.
        let reply = Reply {
            cxid,
            zxid: header.zxid,
            outcome,
        };
        self.outputs.push(Output::Reply { conn, reply });
        self.answer_queued(conn);
    }

    /// Answers the reads, and the syncs now satisfied, at the head of a connection's queue.
    fn answer_queued(&mut self, conn: ConnId) {
        let applied = self.store.tree().last_processed_zxid();
        loop {
            let Some(state) = self.clients.conns.get_mut(&conn) else {
                return;
            };
            match state.queue.front() {
                Some(Pending::Read { .. }) => {
                    let Some(Pending::Read { cxid, op }) = state.queue.pop_front() else {
                        unreachable!("matched a read")
                    };
                    self.answer_read(conn, cxid, &op);
                }
                Some(Pending::Sync {
                    target: Some(target),
                    ..
                }) if *target <= applied => {
                    let Some(Pending::Sync { cxid, path, .. }) = state.queue.pop_front() else {
                        unreachable!("matched a sync")
                    };
                    self.reply(conn, cxid, Ok(OpResult::Synced { path }));
                }
                _ => return,
            }
        }
    }

    /// Answers the syncs whose target this replica has now applied.
    fn answer_ready_syncs(&mut self) {
        let ready: Vec<ConnId> = self
            .clients
            .conns
            .iter()
            .filter(|(_, state)| {
                matches!(
                    state.queue.front(),
                    Some(Pending::Sync {
                        target: Some(_),
                        ..
                    })
                )
            })
            .map(|(conn, _)| *conn)
            .collect();
        for conn in ready {
            self.answer_queued(conn);
        }
    }

    /// The leader confirmed a sync: it is answered once `zxid` is applied here.
    pub(super) fn on_sync_confirmed(&mut self, token: u32, zxid: Zxid) {
        let Some(conn) = self.clients.syncs.remove(&token) else {
            return; // the connection closed meanwhile
        };
        let state = self
            .clients
            .conns
            .get_mut(&conn)
            .expect("syncs follow connections");
        let pending = state.queue.iter_mut().find_map(|pending| match pending {
            Pending::Sync {
                token: t, target, ..
            } if *t == token => Some(target),
            _ => None,
        });
        let target = pending.expect("a registered sync is queued");
        assert!(target.is_none(), "a sync is confirmed once");
        *target = Some(zxid);
        self.answer_queued(conn);
    }

    /// Sends the watch events a planted bug held back.
    pub(super) fn flush_delayed_watch_events(&mut self) {
        for (conn, event) in std::mem::take(&mut self.clients.delayed_events) {
            self.outputs.push(Output::Watch { conn, event });
        }
    }

    fn reply(&mut self, conn: ConnId, cxid: u32, outcome: OpOutcome) {
        let reply = Reply {
            cxid,
            zxid: self.store.tree().last_processed_zxid(),
            outcome,
        };
        self.outputs.push(Output::Reply { conn, reply });
    }
}
