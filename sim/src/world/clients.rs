//! Clients: each opens a session on a node, issues one request at a time with
//! think time between, sees connection loss (an in-flight request's outcome is
//! then unknown), reconnects with its session, and closes it when done.

use super::{Event, RunPhase, World};
use crate::workload::{ClientMemory, WorkloadGen};
use rand::Rng;
use zksim_core::ids::{ConnId, SessionId, Zxid};
use zksim_core::request::{ClientOp, MultiResult, OpResult};
use zksim_core::server::{Input, Reply, Request};
use zksim_core::tree::{CreateMode, ErrorCode};

/// Wait before reconnecting after a connection loss.
const RECONNECT_DELAY_US: (u64, u64) = (20_000, 200_000);

#[derive(Debug)]
pub enum Awaiting {
    Connect,
    Op { cxid: u32, op: ClientOp },
    Close { cxid: u32 },
}

#[derive(Debug)]
pub struct Connection {
    pub conn: ConnId,
    pub node: u32,
    pub incarnation: u64,
    /// Replies on a connection arrive in order: none before this time.
    pub last_delivery_us: u64,
}

#[derive(Debug)]
pub struct Client {
    pub id: usize,
    pub session: Option<SessionId>,
    pub connection: Option<Connection>,
    pub awaiting: Option<Awaiting>,
    pub setup_done: bool,
    pub ops_done: u32,
    pub closed: bool,
    pub memory: ClientMemory,
    next_cxid: u32,
}

impl Client {
    pub fn new(id: usize) -> Client {
        Client {
            id,
            session: None,
            connection: None,
            awaiting: None,
            setup_done: false,
            ops_done: 0,
            closed: false,
            memory: ClientMemory::default(),
            next_cxid: 0,
        }
    }

    fn next_cxid(&mut self) -> u32 {
        self.next_cxid += 1;
        self.next_cxid
    }
}

impl World {
    pub(super) fn client_wake(&mut self, id: usize) {
        let client = &self.clients[id];
        if client.closed || client.awaiting.is_some() || self.phase >= RunPhase::Draining {
            return;
        }
        if client.connection.is_none() {
            self.client_connect(id);
            return;
        }
        let client = &mut self.clients[id];
        let op = if !client.setup_done {
            WorkloadGen::setup_op()
        } else if client.ops_done < self.scenario.workload.ops_per_client {
            self.workload
                .next_op(id, &mut client.memory, &mut self.rng_workload)
        } else {
            let cxid = client.next_cxid();
            client.awaiting = Some(Awaiting::Close { cxid });
            self.send(id, Request::Close { cxid });
            return;
        };
        let cxid = client.next_cxid();
        client.awaiting = Some(Awaiting::Op {
            cxid,
            op: op.clone(),
        });
        self.send(id, Request::Op { cxid, op });
    }

    /// Connects to a random serving node (ZooKeeper clients pick from the connect string).
    fn client_connect(&mut self, id: usize) {
        let serving: Vec<u32> = (0..self.nodes.len() as u32)
            .filter(|node| self.nodes[*node as usize].is_serving())
            .collect();
        if serving.is_empty() {
            let delay = self
                .rng_network
                .gen_range(RECONNECT_DELAY_US.0..RECONNECT_DELAY_US.1);
            self.queue
                .schedule_in(delay, Event::ClientWake { client: id });
            return;
        }
        let node = serving[self.rng_network.gen_range(0..serving.len())];
        self.next_conn += 1;
        let conn = ConnId(self.next_conn);
        let incarnation = self.nodes[node as usize].incarnation;
        self.conn_owner.insert(conn, id);
        let client = &mut self.clients[id];
        client.connection = Some(Connection {
            conn,
            node,
            incarnation,
            last_delivery_us: 0,
        });
        client.awaiting = Some(Awaiting::Connect);
        let timeout_ms = self.scenario.workload.session_timeout_ms;
        let session = client.session;
        self.send(
            id,
            Request::Connect {
                session,
                timeout_ms,
            },
        );
    }

    fn send(&mut self, id: usize, request: Request) {
        let connection = self.clients[id]
            .connection
            .as_ref()
            .expect("sending needs a connection");
        let (conn, node, incarnation) = (connection.conn, connection.node, connection.incarnation);
        let latency = {
            let [low, high] = self.scenario.network.client_latency_us;
            self.rng_network.gen_range(low..=high)
        };
        self.queue.schedule_in(
            latency,
            Event::ToServer {
                node,
                incarnation,
                conn,
                request,
            },
        );
    }

    pub(super) fn request_arrives(
        &mut self,
        node: u32,
        incarnation: u64,
        conn: ConnId,
        request: Request,
    ) {
        let host = &self.nodes[node as usize];
        if host.incarnation != incarnation || !host.is_up() {
            return; // The connection died with the process.
        }
        self.step_server(node, Input::Request { conn, request });
    }

    /// Sends a server's reply back over its connection, in order.
    pub(super) fn deliver_reply(&mut self, conn: ConnId, reply: Reply) {
        let Some(&id) = self.conn_owner.get(&conn) else {
            return;
        };
        let latency = {
            let [low, high] = self.scenario.network.client_latency_us;
            self.rng_network.gen_range(low..=high)
        };
        let now = self.queue.now_us();
        let Some(connection) = self.clients[id].connection.as_mut() else {
            return;
        };
        let at = (now + latency).max(connection.last_delivery_us);
        connection.last_delivery_us = at;
        self.queue.schedule(
            at,
            Event::ToClient {
                client: id,
                conn,
                reply,
            },
        );
    }

    pub(super) fn reply_arrives(&mut self, id: usize, conn: ConnId, reply: Reply) {
        let client = &self.clients[id];
        if client.connection.as_ref().map(|c| c.conn) != Some(conn) {
            return; // A reply for a connection that has since been reset.
        }
        let node = client.connection.as_ref().expect("checked").node;
        let Some(awaiting) = self.clients[id].awaiting.take() else {
            panic!("client {id} got a reply it did not ask for: {reply:?}");
        };
        match awaiting {
            Awaiting::Connect => self.on_connected(id, node, reply),
            Awaiting::Op { cxid, op } => {
                assert_eq!(cxid, reply.cxid, "replies arrive in request order");
                self.on_op_reply(id, node, op, reply);
            }
            Awaiting::Close { cxid } => {
                assert_eq!(cxid, reply.cxid, "replies arrive in request order");
                if reply.outcome.is_ok() {
                    self.acknowledged(node, reply.zxid);
                }
                self.clients[id].closed = true;
                self.close_connection(id);
            }
        }
    }

    fn on_connected(&mut self, id: usize, node: u32, reply: Reply) {
        match reply.outcome {
            Ok(OpResult::SessionCreated { session }) => {
                let client = &mut self.clients[id];
                if client.session.is_none() {
                    // A new session: its createSession txn was acknowledged.
                    self.acknowledged(node, reply.zxid);
                    self.probe("sessions-created");
                } else {
                    assert_eq!(client.session, Some(session));
                    self.probe("sessions-resumed");
                }
                self.clients[id].session = Some(session);
                self.think(id);
            }
            Err(ErrorCode::SessionExpired) => {
                self.probe("sessions-expired");
                self.clients[id].session = None;
                self.close_connection(id);
                self.queue
                    .schedule_in(1_000, Event::ClientWake { client: id });
            }
            other => {
                self.probe("connects-refused");
                let _ = other;
                self.close_connection(id);
                self.queue
                    .schedule_in(50_000, Event::ClientWake { client: id });
            }
        }
    }

    fn on_op_reply(&mut self, id: usize, node: u32, op: ClientOp, reply: Reply) {
        if reply.outcome == Err(ErrorCode::ConnectionLoss) {
            self.probe("unknown-outcomes");
            self.close_connection(id);
            self.queue
                .schedule_in(50_000, Event::ClientWake { client: id });
            return;
        }
        if op.is_write() {
            self.acknowledged(node, reply.zxid);
            self.probe("writes-acknowledged");
        } else {
            self.probe("reads-answered");
        }
        self.remember(id, &op, &reply);
        let client = &mut self.clients[id];
        if client.setup_done {
            client.ops_done += 1;
        }
        client.setup_done = true;
        self.think(id);
    }

    /// Remembers versions and sequential names, and feeds the sequential check.
    fn remember(&mut self, id: usize, op: &ClientOp, reply: &Reply) {
        let memory = &mut self.clients[id].memory;
        match (&reply.outcome, op) {
            (Ok(OpResult::Created { path, stat }), ClientOp::Create { mode, .. }) => {
                memory.versions.insert(path.clone(), stat.version);
                if mode.is_sequential() {
                    memory.sequential.push(path.clone());
                    self.sequential.on_created(reply.zxid, path);
                    if *mode == CreateMode::EphemeralSequential {
                        self.probe("ephemeral-sequential-created");
                    }
                }
            }
            (Ok(OpResult::SetData { stat }), ClientOp::SetData { path, .. })
            | (Ok(OpResult::GetData { stat, .. }), ClientOp::GetData { path }) => {
                memory.versions.insert(path.clone(), stat.version);
            }
            (Ok(OpResult::Multi(results)), ClientOp::Multi(_))
                if results
                    .iter()
                    .all(|result| !matches!(result, MultiResult::Error(_))) =>
            {
                self.probe("multis-committed");
            }
            _ => {}
        }
    }

    /// A client was told the outcome of the txn at `zxid` by `node`.
    fn acknowledged(&mut self, node: u32, zxid: Zxid) {
        self.nodes[node as usize].ghost.on_acked(zxid);
        self.acked_max = self.acked_max.max(zxid);
    }

    fn think(&mut self, id: usize) {
        let [low, high] = self.scenario.workload.think_time_ms;
        let delay_us = self.rng_workload.gen_range(low * 1000..=high * 1000);
        self.queue
            .schedule_in(delay_us, Event::ClientWake { client: id });
    }

    fn close_connection(&mut self, id: usize) {
        if let Some(connection) = self.clients[id].connection.take() {
            self.conn_owner.remove(&connection.conn);
            let host = &self.nodes[connection.node as usize];
            if host.incarnation == connection.incarnation && host.is_up() {
                self.step_server(
                    connection.node,
                    Input::Disconnected {
                        conn: connection.conn,
                    },
                );
            }
        }
    }

    /// A node went down: its connections reset; in-flight outcomes are unknown.
    pub(super) fn reset_connections(&mut self, node: u32) {
        for id in 0..self.clients.len() {
            let on_node = self.clients[id]
                .connection
                .as_ref()
                .is_some_and(|c| c.node == node);
            if on_node {
                self.drop_client_connection(id);
            }
        }
    }

    /// The server closed a connection (it stopped serving).
    pub(super) fn server_closed_connection(&mut self, conn: ConnId) {
        if let Some(&id) = self.conn_owner.get(&conn) {
            self.probe("connections-closed-by-server");
            self.drop_client_connection(id);
        }
    }

    /// The connection is gone: an outstanding request's outcome is unknown; reconnect later.
    fn drop_client_connection(&mut self, id: usize) {
        {
            let connection = self.clients[id].connection.take().expect("checked");
            self.conn_owner.remove(&connection.conn);
            match self.clients[id].awaiting.take() {
                Some(Awaiting::Op { .. }) | Some(Awaiting::Close { .. }) => {
                    self.probe("unknown-outcomes")
                }
                Some(Awaiting::Connect) | None => {}
            }
            let delay = self
                .rng_network
                .gen_range(RECONNECT_DELAY_US.0..RECONNECT_DELAY_US.1);
            self.queue
                .schedule_in(delay, Event::ClientWake { client: id });
        }
    }

    /// Clients still waiting for an answer (for the liveness check).
    pub(super) fn clients_waiting(&self) -> Vec<String> {
        self.clients
            .iter()
            .filter(|client| client.awaiting.is_some())
            .map(|client| format!("client {} awaits {:?}", client.id, client.awaiting))
            .collect()
    }
}
