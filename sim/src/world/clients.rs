//! The client library: each client opens a session on a serving node, sends
//! one request at a time with think time between, and records every request
//! and its outcome in the history. A lost connection leaves the outcome of the
//! request in flight unknown; the client reconnects (maybe elsewhere) with its
//! session and the newest zxid it has seen, and re-registers its pending
//! watches. A session found expired is recorded, and the client opens a new one.

use super::recipes::Recipe;
use super::{Event, ServerMessage, World};
use crate::checker::watches::ClientWatches;
use crate::history::HistoryRequest;
use crate::workload::ClientMemory;
use rand::Rng;
use zksim_core::ids::{ConnId, SessionId, Zxid};
use zksim_core::request::ClientOp;
use zksim_core::server::{Input, Request};

/// Wait before reconnecting after a connection loss.
pub(super) const RECONNECT_DELAY_US: (u64, u64) = (20_000, 200_000);

#[derive(Debug)]
pub enum Awaiting {
    /// A connect; `history` is the createSession op when opening a new session.
    Connect {
        history: Option<usize>,
    },
    SetWatches {
        cxid: u32,
    },
    Op {
        cxid: u32,
        op: ClientOp,
        history: usize,
    },
    Close {
        cxid: u32,
        history: usize,
    },
}

#[derive(Debug)]
pub struct Connection {
    pub conn: ConnId,
    pub node: u32,
    pub incarnation: u64,
    /// Messages on a connection arrive in order: none before this time.
    pub last_delivery_us: u64,
}

#[derive(Debug)]
pub struct Client {
    pub id: usize,
    pub session: Option<SessionId>,
    pub connection: Option<Connection>,
    pub awaiting: Option<Awaiting>,
    /// Setup ops done (creating the sequence parents); the op mix follows.
    pub setup_step: u32,
    pub setup_done: bool,
    pub ops_done: u32,
    pub closed: bool,
    pub memory: ClientMemory,
    /// The newest state any reply showed this session (sent when reconnecting).
    pub last_zxid_seen: Zxid,
    /// Watches left and not yet fired.
    pub watches: ClientWatches,
    /// The client's own network is down until then (a fault).
    pub offline_until_us: u64,
    /// A recipe this client runs instead of the op mix.
    pub recipe: Option<Recipe>,
    /// The only replica this client connects to (a script pins its sessions).
    pub server: Option<u32>,
    next_cxid: u32,
}

impl Client {
    pub fn new(id: usize) -> Client {
        Client {
            id,
            session: None,
            connection: None,
            awaiting: None,
            setup_step: 0,
            setup_done: false,
            ops_done: 0,
            closed: false,
            memory: ClientMemory::default(),
            last_zxid_seen: Zxid::ZERO,
            watches: ClientWatches::default(),
            offline_until_us: 0,
            recipe: None,
            server: None,
            next_cxid: 0,
        }
    }

    pub(super) fn next_cxid(&mut self) -> u32 {
        self.next_cxid += 1;
        self.next_cxid
    }
}

impl World {
    pub(super) fn client_wake(&mut self, id: usize) {
        if self.script.is_some() {
            self.script_wake(id);
            return;
        }
        let client = &self.clients[id];
        if client.closed || client.awaiting.is_some() || !self.recipe_may_act(id) {
            return;
        }
        if client.connection.is_none() {
            self.client_connect(id);
            return;
        }
        if self.clients[id].recipe.is_some() {
            if self.recipe_done(id) {
                self.client_close(id);
            } else if let Some(op) = self.recipe_next_op(id) {
                self.client_send_op(id, op);
            }
            return;
        }
        let client = &mut self.clients[id];
        let setup = (!client.setup_done)
            .then(|| self.workload.setup_op(client.setup_step))
            .flatten();
        if setup.is_none() {
            client.setup_done = true;
        }
        let op = if let Some(op) = setup {
            client.setup_step += 1;
            op
        } else if client.ops_done < self.scenario.workload.ops_per_client {
            self.workload
                .next_op(id, &mut client.memory, &mut self.rng_workload)
        } else {
            self.client_close(id);
            return;
        };
        self.client_send_op(id, op);
    }

    pub(super) fn client_send_op(&mut self, id: usize, op: ClientOp) {
        let cxid = self.clients[id].next_cxid();
        let history = self.invoke(id, HistoryRequest::Op(op.clone()));
        self.clients[id].awaiting = Some(Awaiting::Op {
            cxid,
            op: op.clone(),
            history,
        });
        self.send(id, Request::Op { cxid, op });
    }

    pub(super) fn client_close(&mut self, id: usize) {
        let cxid = self.clients[id].next_cxid();
        let history = self.invoke(id, HistoryRequest::CloseSession);
        self.clients[id].awaiting = Some(Awaiting::Close { cxid, history });
        self.send(id, Request::Close { cxid });
    }

    /// Records the start of a request to the client's current server.
    pub(super) fn invoke(&mut self, id: usize, request: HistoryRequest) -> usize {
        let client = &self.clients[id];
        let node = client.connection.as_ref().map_or(u32::MAX, |c| c.node);
        let session = client.session.unwrap_or(SessionId::NONE);
        let now = self.queue.now_us();
        self.history.invoke(id, session, node, now, request)
    }

    /// Connects to a random serving node (ZooKeeper clients pick from the
    /// connect string), or to the client's pinned one once it serves.
    pub(super) fn client_connect(&mut self, id: usize) {
        let offline_until = self.clients[id].offline_until_us;
        if offline_until > self.queue.now_us() {
            self.queue
                .schedule(offline_until, Event::ClientWake { client: id });
            return;
        }
        let pinned = self.clients[id].server;
        let serving: Vec<u32> = (0..self.nodes.len() as u32)
            .filter(|node| pinned.is_none_or(|pin| pin == *node))
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
        self.clients[id].connection = Some(Connection {
            conn,
            node,
            incarnation,
            last_delivery_us: 0,
        });
        let session = self.clients[id].session;
        let history = session
            .is_none()
            .then(|| self.invoke(id, HistoryRequest::CreateSession));
        let client = &mut self.clients[id];
        client.awaiting = Some(Awaiting::Connect { history });
        let request = Request::Connect {
            session,
            timeout_ms: self.scenario.workload.session_timeout_ms,
            last_zxid_seen: client.last_zxid_seen,
        };
        self.send(id, request);
    }

    pub(super) fn send(&mut self, id: usize, request: Request) {
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

    /// Sends a server's reply or watch event back over its connection, in order.
    pub(super) fn deliver(&mut self, conn: ConnId, message: ServerMessage) {
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
        let event = Event::ToClient {
            client: id,
            conn,
            message,
        };
        self.queue.schedule(at, event);
    }

    pub(super) fn think(&mut self, id: usize) {
        let [low, high] = self.scenario.workload.think_time_ms;
        let delay_us = self.rng_workload.gen_range(low * 1000..=high * 1000);
        self.queue
            .schedule_in(delay_us, Event::ClientWake { client: id });
    }

    /// The client hangs up (after closing its session, or to try another server).
    pub(super) fn close_connection(&mut self, id: usize) {
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

    /// The server closed a connection (it stopped serving, or the session expired).
    pub(super) fn server_closed_connection(&mut self, conn: ConnId) {
        if let Some(&id) = self.conn_owner.get(&conn) {
            let connecting = matches!(self.clients[id].awaiting, Some(Awaiting::Connect { .. }));
            // A connect closed at once: the server is not serving, or is behind
            // the state this session has seen.
            self.probe(if connecting {
                "connects-refused"
            } else {
                "connections-closed-by-server"
            });
            self.drop_client_connection(id);
        }
    }

    /// The connection is gone: an outstanding request's outcome is unknown; reconnect later.
    pub(super) fn drop_client_connection(&mut self, id: usize) {
        let connection = self.clients[id].connection.take().expect("checked");
        self.conn_owner.remove(&connection.conn);
        match self.clients[id].awaiting.take() {
            Some(Awaiting::Op { .. }) | Some(Awaiting::Close { .. }) => {
                self.probe("unknown-outcomes")
            }
            Some(Awaiting::Connect { .. }) | Some(Awaiting::SetWatches { .. }) | None => {}
        }
        self.recipe_on_connection_lost(id);
        let delay = self
            .rng_network
            .gen_range(RECONNECT_DELAY_US.0..RECONNECT_DELAY_US.1);
        self.queue
            .schedule_in(delay, Event::ClientWake { client: id });
    }

    /// Clients still waiting for an answer (for the liveness check).
    pub(super) fn clients_waiting(&self) -> Vec<String> {
        self.clients
            .iter()
            .filter(|client| client.awaiting.is_some())
            .map(|client| format!("client {} awaits {:?}", client.id, client.awaiting))
            .collect()
    }

    /// The end of the run: a session neither closed nor known to be expired
    /// may have expired meanwhile, with an unknown outcome.
    pub(super) fn end_history(&mut self) {
        for id in 0..self.clients.len() {
            let client = &self.clients[id];
            if client.session.is_some() && !client.closed {
                self.invoke(id, HistoryRequest::Expiry);
            }
        }
    }
}
