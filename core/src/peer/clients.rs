//! Client connections on a replica. Writes go to the leader (proposed there,
//! forwarded from a follower) and are answered when this replica applies the
//! matching txn; reads are answered from the local tree, in request order per
//! connection. A replica that is not serving refuses requests; one that stops
//! serving closes every connection (clients reconnect, maybe elsewhere).

use super::messages::{Forwarded, PeerMessage};
use super::{Peer, Role};
use crate::ids::{ConnId, NodeId, SessionId};
use crate::persist::LogRecord;
use crate::request::{ClientOp, OpOutcome, OpResult};
use crate::server::{Output, Reply, Request};
use crate::tree::ErrorCode;
use crate::txn::Txn;
use std::collections::{BTreeMap, VecDeque};

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
    next_token: u32,
}

impl Clients {
    pub fn new(node: NodeId) -> Clients {
        Clients {
            node,
            conns: BTreeMap::new(),
            writes: BTreeMap::new(),
            connects: BTreeMap::new(),
            next_token: 0,
        }
    }

    /// A cxid that names a session request of this replica uniquely: its id in the top byte.
    fn new_token(&mut self) -> u32 {
        self.next_token = (self.next_token + 1) & 0x00ff_ffff;
        ((self.node.0 & 0xff) << 24) | self.next_token
    }

    pub fn disconnect(&mut self, conn: ConnId) {
        if self.conns.remove(&conn).is_some() {
            self.writes.retain(|_, owner| *owner != conn);
            self.connects.retain(|_, owner| *owner != conn);
        }
    }

    /// Closes every connection; returns them.
    pub fn close_all(&mut self) -> Vec<ConnId> {
        self.writes.clear();
        self.connects.clear();
        std::mem::take(&mut self.conns).into_keys().collect()
    }
}

impl Peer {
    pub(super) fn on_client_request(&mut self, conn: ConnId, request: Request) {
        if !self.serving() {
            let cxid = match &request {
                Request::Connect { .. } => 0,
                Request::Op { cxid, .. } | Request::Close { cxid } => *cxid,
            };
            self.reply(conn, cxid, Err(ErrorCode::ConnectionLoss));
            self.close_connection(conn);
            return;
        }
        match request {
            Request::Connect {
                session,
                timeout_ms,
            } => self.on_connect(conn, session, timeout_ms),
            Request::Op { cxid, op } => self.on_op(conn, cxid, op),
            Request::Close { cxid } => {
                let Some(session) = self.clients.conns.get(&conn).and_then(|c| c.session) else {
                    self.reply(conn, cxid, Err(ErrorCode::SessionExpired));
                    return;
                };
                self.submit_write(conn, session, cxid, Forwarded::CloseSession);
            }
        }
    }

    fn on_connect(&mut self, conn: ConnId, session: Option<SessionId>, timeout_ms: u32) {
        let state = self.clients.conns.entry(conn).or_default();
        if state.session.is_some() || !state.queue.is_empty() {
            self.reply(conn, 0, Err(ErrorCode::BadArguments));
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
                self.submit(
                    SessionId::NONE,
                    token,
                    Forwarded::CreateSession { timeout_ms },
                );
            }
            Some(session) if self.store.tree().sessions().contains_key(&session) => {
                self.clients.conns.get_mut(&conn).expect("inserted").session = Some(session);
                self.reply(conn, 0, Ok(OpResult::SessionCreated { session }));
            }
            Some(_) => self.reply(conn, 0, Err(ErrorCode::SessionExpired)),
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
        } else if state.queue.is_empty() {
            let outcome = self.store.tree().read(&op);
            self.reply(conn, cxid, outcome);
        } else {
            state.queue.push_back(Pending::Read { cxid, op });
        }
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
            Role::Leading(_) => self.leader_propose(session, cxid, request),
            Role::Following(_) => self.follower_forward(PeerMessage::Forward {
                session,
                cxid,
                request,
            }),
            Role::Looking(_) => unreachable!("a looking replica serves no client"),
        }
    }

    /// Answers the clients whose txns were just applied here.
    pub(super) fn on_applied(&mut self, applied: Vec<(LogRecord, OpOutcome)>) {
        for (record, outcome) in applied {
            let header = record.header;
            let conn = match &record.txn {
                Txn::CreateSession { .. } => self.clients.connects.remove(&header.cxid),
                _ => self.clients.writes.remove(&(header.session, header.cxid)),
            };
            let Some(conn) = conn else { continue };
            let Some(state) = self.clients.conns.get_mut(&conn) else {
                continue;
            };
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
            let cxid = if matches!(record.txn, Txn::CreateSession { .. }) {
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
            self.answer_queued_reads(conn);
        }
    }

    fn answer_queued_reads(&mut self, conn: ConnId) {
        let Some(state) = self.clients.conns.get_mut(&conn) else {
            return;
        };
        let mut answers = Vec::new();
        while let Some(Pending::Read { .. }) = state.queue.front() {
            let Some(Pending::Read { cxid, op }) = state.queue.pop_front() else {
                unreachable!()
            };
            answers.push((cxid, self.store.tree().read(&op)));
        }
        for (cxid, outcome) in answers {
            self.reply(conn, cxid, outcome);
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
