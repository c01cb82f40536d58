//! The scripted client (`zksim exec`): instead of the op-mix generator, the
//! world's clients run a fixed list of steps, strictly one after another in
//! the script's order, each sent only once the previous one was answered.
//!
//! Each session incarnation of the script is one ordinary client of the
//! client library (`clients.rs`): it connects, sends and handles replies and
//! watch events exactly as the op-mix clients do, pinned to the replica the
//! step names. This module only decides *what* the current client sends next
//! (the `client_wake` hook) and takes note of the answer (the `reply_arrives`
//! hook); the run stops as soon as the last step is answered.

use super::clients::{Awaiting, Client};
use super::{Event, World};
use crate::scenario::Scenario;
use crate::violation::Violation;
use zksim_core::ids::{SessionId, Zxid};
use zksim_core::request::{ClientOp, OpOutcome, OpResult};
use zksim_core::server::Reply;
use zksim_core::tree::ErrorCode;
use zksim_core::watch::WatchEvent;

/// Virtual time a script may take before the run gives up on it: a fixed
/// allowance for the ensemble to elect a leader plus one per step. A
/// fault-free ensemble answers a step in milliseconds; this only bounds a run
/// that would otherwise hang.
const BASE_ALLOWANCE_MS: u64 = 120_000;
const STEP_ALLOWANCE_MS: u64 = 1_000;

/// What one step of a script does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptAction {
    /// Open the client's session (its first step, when explicit).
    Connect,
    /// Close the client's session: its ephemerals are deleted.
    Close,
    /// A data-tree operation of the session (connecting first if needed).
    Op(ClientOp),
}

/// One step: a session's action, to be run once every earlier step is answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptStep {
    /// The client holding the session: one per session opened by the script.
    pub client: usize,
    /// The replica the session must be connected to for this step (the
    /// client moves its session there first if it is elsewhere).
    pub server: u32,
    pub action: ScriptAction,
}

/// A whole script, resolved to clients (see `exec::format`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Script {
    /// How many clients the steps use (ids `0..clients`).
    pub clients: usize,
    pub steps: Vec<ScriptStep>,
}

/// What the ensemble answered to one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepResult {
    /// The step's session (None only if it never got one).
    pub session: Option<SessionId>,
    /// The replica that answered.
    pub server: u32,
    /// The zxid the reply carried (ZooKeeper's `ReplyHeader.zxid`).
    pub zxid: Zxid,
    /// `Ok(SessionCreated)` for a connect, `Ok(SessionClosed)` for a close; a
    /// request lost with its connection is `Err(ConnectionLoss)`.
    pub outcome: OpOutcome,
    /// Watch events this session received since its previous answered step,
    /// in arrival order (all before this step's reply).
    pub watches: Vec<WatchEvent>,
}

/// How a scripted run went.
#[derive(Clone, Debug)]
pub struct ScriptOutcome {
    /// One per answered step, in order; fewer than the steps if the run
    /// stalled (see `stalled_at`).
    pub results: Vec<StepResult>,
    /// The step that got no answer in time, if any.
    pub stalled_at: Option<usize>,
    /// Anything the world's checkers found wrong with the store meanwhile.
    pub violations: Vec<Violation>,
    pub virtual_ms: u64,
    pub events: u64,
}

/// The script's progress inside a running world.
#[derive(Debug)]
pub(super) struct ScriptRun {
    steps: Vec<ScriptStep>,
    /// The step in progress (`steps.len()` when done).
    cursor: usize,
    /// The current step's request went out (it is answered or lost).
    sent: bool,
    results: Vec<StepResult>,
    /// Per client: how many of the history's watch deliveries were looked at
    /// for it (those for it among them are already shown).
    watches_shown: Vec<usize>,
}

/// The fault-free scenario a script runs in: `ensemble` replicas, no op-mix
/// clients, no think time, no random faults, no linearizability check.
pub fn scenario(ensemble: u32, steps: usize) -> Scenario {
    let allowance_ms = BASE_ALLOWANCE_MS + STEP_ALLOWANCE_MS * steps as u64;
    let json = serde_json::json!({
        "name": "exec",
        "description": "a scripted client against a fault-free ensemble",
        "duration_ms": allowance_ms,
        "cluster": {"nodes": ensemble},
        "workload": {"clients": 0, "think_time_ms": [0, 0]},
        "checks": {"linearizability": false},
    });
    let scenario: Scenario = serde_json::from_value(json).expect("a well-formed scenario");
    assert_eq!(
        scenario.workload.total_clients(),
        0,
        "the script brings its own"
    );
    assert_eq!(scenario.faults.schedule.len(), 0, "fault-free");
    scenario
}

impl ScriptRun {
    fn current(&self) -> Option<&ScriptStep> {
        self.steps.get(self.cursor)
    }
}

impl World {
    /// Replaces the world's clients with the script's (before `run`).
    pub(super) fn install_script(&mut self, script: &Script) {
        assert!(self.queue.is_empty(), "installed before the run starts");
        assert!(
            self.clients.is_empty(),
            "a script world has no op-mix clients"
        );
        for step in &script.steps {
            assert!(step.client < script.clients, "step of an unknown client");
            assert!((step.server as usize) < self.nodes.len(), "no such replica");
        }
        self.clients = (0..script.clients).map(Client::new).collect();
        self.script = Some(Box::new(ScriptRun {
            steps: script.steps.clone(),
            cursor: 0,
            sent: false,
            results: Vec::new(),
            watches_shown: vec![0; script.clients],
        }));
    }

    /// The script's outcome (after `run`).
    pub(super) fn take_script_outcome(&mut self) -> ScriptOutcome {
        let run = self.script.take().expect("a script world");
        let stalled_at = (run.cursor < run.steps.len()).then_some(run.cursor);
        assert_eq!(run.results.len(), run.cursor, "one result per step done");
        let outcome = self.outcome();
        ScriptOutcome {
            results: run.results,
            stalled_at,
            violations: outcome.violations,
            virtual_ms: outcome.virtual_ms,
            events: outcome.events,
        }
    }

    /// The `client_wake` hook: the current step's client connects (to the
    /// step's replica) or sends the step's request; every other client idles.
    pub(super) fn script_wake(&mut self, id: usize) {
        let run = self.script.as_ref().expect("a script world");
        let Some(step) = run.current().filter(|step| step.client == id) else {
            return;
        };
        let (server, action, sent) = (step.server, step.action.clone(), run.sent);
        let client = &self.clients[id];
        if client.awaiting.is_some() {
            return;
        }
        if sent {
            // Only a reply ends a step; with none awaited, the request was
            // lost with its connection (never in a fault-free ensemble).
            self.script_record(id, Zxid::ZERO, Err(ErrorCode::ConnectionLoss));
            return;
        }
        let elsewhere = client.connection.as_ref().map(|c| c.node != server);
        self.clients[id].server = Some(server);
        match elsewhere {
            Some(true) => {
                // The session moves: hang up here, resume it on `server`.
                self.close_connection(id);
                self.client_connect(id);
            }
            // A connect step ends at its reply (a refused connect is retried
            // by the library); another step is sent once connected.
            None => self.client_connect(id),
            Some(false) => self.script_send(id, action),
        }
    }

    fn script_send(&mut self, id: usize, action: ScriptAction) {
        match action {
            ScriptAction::Connect => {
                unreachable!("a connect step's client is new: it has no connection")
            }
            ScriptAction::Close => self.client_close(id),
            ScriptAction::Op(op) => self.client_send_op(id, op),
        }
        self.script.as_mut().expect("a script world").sent = true;
    }

    /// The `reply_arrives` hook: a reply that answers the current step ends it.
    pub(super) fn script_on_reply(&mut self, id: usize, awaiting: &Awaiting, reply: &Reply) {
        let run = self.script.as_ref().expect("a script world");
        let Some(step) = run.current().filter(|step| step.client == id) else {
            return;
        };
        let answers = match (awaiting, &step.action) {
            (Awaiting::Op { .. }, ScriptAction::Op(_)) => true,
            (Awaiting::Close { .. }, ScriptAction::Close) => true,
            // A refused connect is retried by the library: not an answer yet.
            (Awaiting::Connect { history: Some(_) }, ScriptAction::Connect) => {
                matches!(reply.outcome, Ok(OpResult::SessionCreated { .. }))
            }
            _ => false,
        };
        if answers {
            self.script_record(id, reply.zxid, reply.outcome.clone());
        }
    }

    /// Ends the current step with its answer and wakes the next step's client
    /// (or stops the run after the last step).
    fn script_record(&mut self, id: usize, zxid: Zxid, outcome: OpOutcome) {
        let session = match &outcome {
            Ok(OpResult::SessionCreated { session, .. }) => Some(*session),
            _ => self.clients[id].session,
        };
        let server = self.clients[id].connection.as_ref().map_or(
            self.clients[id].server.expect("a script client is pinned"),
            |c| c.node,
        );
        let watches = self.script_watches_for(id);
        let run = self.script.as_mut().expect("a script world");
        assert_eq!(run.current().map(|step| step.client), Some(id));
        run.results.push(StepResult {
            session,
            server,
            zxid,
            outcome,
            watches,
        });
        run.cursor += 1;
        run.sent = false;
        match run.current() {
            Some(next) => {
                let client = next.client;
                self.queue.schedule_in(0, Event::ClientWake { client });
            }
            None => self.stopped = true,
        }
    }

    /// The watch events client `id` received since it was last shown them.
    fn script_watches_for(&mut self, id: usize) -> Vec<WatchEvent> {
        let run = self.script.as_mut().expect("a script world");
        let from = run.watches_shown[id];
        run.watches_shown[id] = self.history.watches.len();
        self.history.watches[from..]
            .iter()
            .filter(|delivery| delivery.client == id)
            .map(|delivery| delivery.event.clone())
            .collect()
    }
}
