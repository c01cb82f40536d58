//! What clients do with what servers send them: replies complete the request
//! in flight (and go into the history), watch events clear pending watches.
//! Every message is first checked against the client's pending watches: the
//! state it reflects must not include a change that should have fired one.

use super::clients::Awaiting;
use super::{Event, ServerMessage, World};
use crate::checker::watches::WatchList;
use crate::history::{HistoryRequest, Outcome, WatchDelivery};
use crate::violation::ViolationKind;
use zksim_core::ids::{ConnId, Zxid};
use zksim_core::request::{ClientOp, MultiResult, OpResult};
use zksim_core::server::{Reply, Request};
use zksim_core::tree::{CreateMode, ErrorCode};
use zksim_core::watch::WatchEvent;

impl World {
    pub(super) fn message_arrives(&mut self, id: usize, conn: ConnId, message: ServerMessage) {
        let client = &self.clients[id];
        if client.connection.as_ref().map(|c| c.conn) != Some(conn) {
            return; // For a connection that has since been reset.
        }
        match message {
            ServerMessage::Watch(event) => self.watch_arrives(id, event),
            ServerMessage::Reply(reply) => {
                // A connect shows no data (missed watches fire at the setWatches
                // that follows); a refusal shows nothing; an expired session's
                // watches are void.
                let connect = matches!(client.awaiting, Some(Awaiting::Connect { .. }));
                let set_watches = matches!(client.awaiting, Some(Awaiting::SetWatches { .. }));
                if set_watches && reply.outcome.is_ok() {
                    // ZooKeeper's documented gap: an exists watch on a node that was
                    // created and deleted while the client was away is missed.
                    self.clients[id].watches.rebase_exist_watches(reply.zxid);
                }
                let silent = [
                    Err(ErrorCode::ConnectionLoss),
                    Err(ErrorCode::SessionExpired),
                ];
                if !connect && !silent.contains(&reply.outcome) {
                    self.check_watch_order(id, reply.zxid, "a reply");
                    let client = &mut self.clients[id];
                    client.last_zxid_seen = client.last_zxid_seen.max(reply.zxid);
                }
                self.reply_arrives(id, reply);
            }
        }
    }

    fn watch_arrives(&mut self, id: usize, event: WatchEvent) {
        self.probe("watch-events");
        let client = &mut self.clients[id];
        client.watches.on_event(&event);
        self.recipe_on_watch(id, &event);
        let client = &self.clients[id];
        let delivery = WatchDelivery {
            client: id,
            session: client.session.unwrap_or(zksim_core::ids::SessionId::NONE),
            time_us: self.queue.now_us(),
            event: event.clone(),
        };
        self.history.watches.push(delivery);
        // The other watches this txn fires arrive right after this event.
        let before = Zxid(event.zxid.0.saturating_sub(1));
        self.check_watch_order(id, before, "a watch event");
    }

    /// The client received a message reflecting `state`: every change up to
    /// it must already have fired the client's watches.
    fn check_watch_order(&mut self, id: usize, state: Zxid, what: &str) {
        let client = &self.clients[id];
        let Some((watch, zxid, kind)) = client.watches.missed(&self.changes, state) else {
            return;
        };
        let message = format!(
            "client {id} received {what} reflecting {state}, which includes {} of {} at {zxid}, \
             before the event of its {:?} watch set at {}",
            kind.name(),
            watch.path,
            watch.list,
            watch.since
        );
        let node = client.connection.as_ref().map(|c| c.node);
        self.violation(ViolationKind::WatchOrder, node, message);
        self.clients[id].watches.clear(); // one report per client and watch set
    }

    fn reply_arrives(&mut self, id: usize, reply: Reply) {
        let node = self.clients[id].connection.as_ref().expect("checked").node;
        let Some(awaiting) = self.clients[id].awaiting.take() else {
            panic!("client {id} got a reply it did not ask for: {reply:?}");
        };
        if self.script.is_some() {
            self.script_on_reply(id, &awaiting, &reply);
        }
        match awaiting {
            Awaiting::Connect { history } => self.on_connected(id, node, history, reply),
            Awaiting::SetWatches { cxid } => {
                assert_eq!(cxid, reply.cxid, "replies arrive in request order");
                self.think(id);
            }
            Awaiting::Op { cxid, op, history } => {
                assert_eq!(cxid, reply.cxid, "replies arrive in request order");
                self.on_op_reply(id, node, op, history, reply);
            }
            Awaiting::Close { cxid, history } => {
                assert_eq!(cxid, reply.cxid, "replies arrive in request order");
                if reply.outcome == Err(ErrorCode::ConnectionLoss) {
                    self.drop_client_connection(id);
                    return;
                }
                self.complete(history, &reply);
                if reply.outcome.is_ok() {
                    self.acknowledged(node, reply.zxid);
                }
                self.clients[id].closed = true;
                self.close_connection(id);
            }
        }
    }

    fn complete(&mut self, history: usize, reply: &Reply) {
        let outcome = match &reply.outcome {
            Ok(result) => Outcome::Ok(result.clone()),
            Err(code) => Outcome::Fail(*code),
        };
        let now = self.queue.now_us();
        self.history.complete(history, now, outcome, reply.zxid);
    }

    fn on_connected(&mut self, id: usize, node: u32, history: Option<usize>, reply: Reply) {
        match reply.outcome {
            Ok(OpResult::SessionCreated { session, .. }) => {
                if let Some(history) = history {
                    // A new session: its createSession txn was acknowledged.
                    self.complete(history, &reply);
                    self.acknowledged(node, reply.zxid);
                    self.probe("sessions-created");
                } else {
                    assert_eq!(self.clients[id].session, Some(session));
                    self.probe("sessions-resumed");
                }
                self.clients[id].session = Some(session);
                self.resume_watches(id);
            }
            Err(ErrorCode::SessionExpired) => {
                self.probe("sessions-expired");
                let expiry = self.invoke(id, HistoryRequest::Expiry);
                self.complete(expiry, &reply);
                let client = &mut self.clients[id];
                client.session = None;
                client.last_zxid_seen = Zxid::ZERO;
                client.watches.clear();
                client.setup_done = false;
                client.setup_step = 0;
                self.recipe_on_expired(id);
                self.close_connection(id);
                self.queue
                    .schedule_in(1_000, Event::ClientWake { client: id });
            }
            _ => {
                // Refused (the server is not serving, or is behind what this
                // session has seen): try again, maybe elsewhere.
                self.probe("connects-refused");
                self.close_connection(id);
                self.queue
                    .schedule_in(50_000, Event::ClientWake { client: id });
            }
        }
    }

    /// After a reconnect, re-registers the watches not yet fired (ZooKeeper's setWatches).
    fn resume_watches(&mut self, id: usize) {
        let client = &mut self.clients[id];
        if client.watches.is_empty() {
            self.think(id);
            return;
        }
        let [data, exist, child] = client.watches.lists();
        let cxid = client.next_cxid();
        let relative_zxid = client.last_zxid_seen;
        client.awaiting = Some(Awaiting::SetWatches { cxid });
        self.probe("watches-reregistered");
        let request = Request::SetWatches {
            cxid,
            relative_zxid,
            data,
            exist,
            child,
        };
        self.send(id, request);
    }

    fn on_op_reply(&mut self, id: usize, node: u32, op: ClientOp, history: usize, reply: Reply) {
        if reply.outcome == Err(ErrorCode::ConnectionLoss) {
            self.probe("unknown-outcomes");
            self.recipe_on_connection_lost(id);
            self.close_connection(id);
            self.queue
                .schedule_in(50_000, Event::ClientWake { client: id });
            return;
        }
        self.complete(history, &reply);
        if op.is_write() {
            self.acknowledged(node, reply.zxid);
            self.probe("writes-acknowledged");
        } else {
            self.probe(match op {
                ClientOp::Sync { .. } => "syncs-answered",
                _ => "reads-answered",
            });
        }
        self.leave_watch(id, &op, &reply);
        self.remember(id, &op, &reply);
        self.recipe_on_reply(id, &op, &reply);
        let client = &mut self.clients[id];
        if client.setup_done {
            client.ops_done += 1;
        }
        self.think(id);
    }

    /// A read that asked for a watch and succeeded left one on the server.
    fn leave_watch(&mut self, id: usize, op: &ClientOp, reply: &Reply) {
        let list = match (op, &reply.outcome) {
            (ClientOp::GetData { watch: true, .. }, Ok(_)) => WatchList::Data,
            (ClientOp::Exists { watch: true, .. }, Ok(OpResult::Exists { stat: Some(_) })) => {
                WatchList::Data
            }
            (ClientOp::Exists { watch: true, .. }, Ok(_)) => WatchList::Exist,
            (ClientOp::GetChildren { watch: true, .. }, Ok(_)) => WatchList::Child,
            _ => return,
        };
        let path = match op {
            ClientOp::GetData { path, .. }
            | ClientOp::Exists { path, .. }
            | ClientOp::GetChildren { path, .. } => path,
            _ => unreachable!("matched a read with a watch"),
        };
        self.probe("watches-set");
        self.clients[id].watches.add(list, path, reply.zxid);
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
            | (Ok(OpResult::GetData { stat, .. }), ClientOp::GetData { path, .. }) => {
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
        let ghost = &mut self.nodes[node as usize].ghost;
        ghost.on_acked(zxid);
        let content = ghost.content_of(zxid);
        self.acked_writes.entry(zxid).or_insert(content);
        self.acked_max = self.acked_max.max(zxid);
    }
}
