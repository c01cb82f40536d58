//! The simulated world: one event loop over virtual time that drives the
//! nodes' servers, their disks, the clients and the nemesis, records a trace,
//! and checks what happened. Single-threaded and deterministic: the seed and
//! the scenario decide everything.

mod clients;
mod disk_service;
mod events;
mod finish;
mod nemesis;
mod node;
mod outputs;

pub use events::{CrashCause, Event};

use crate::checker::sequential::SequentialCheck;
use crate::queue::{EventQueue, TimeUs};
use crate::rng::{stream, Stream};
use crate::scenario::Scenario;
use crate::trace::Trace;
use crate::violation::{Violation, ViolationKind};
use crate::workload::WorkloadGen;
use clients::Client;
use node::NodeHost;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::io::Write;
use zksim_core::bugs::Bugs;
use zksim_core::ids::ConnId;
use zksim_core::server::Output;

/// The database id of every simulated node.
pub const DBID: u64 = 0x5a4b_5349_4d00_0001;
/// After the healing phase, how long outstanding requests may take to drain.
pub const DRAIN_US: TimeUs = 5_000_000;
/// The most events one run may process (a runaway guard).
pub const RUN_EVENTS_MAX: u64 = 200_000_000;

/// Which part of the run we are in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RunPhase {
    Faults,
    Healing,
    Draining,
    Done,
}

/// What a run found.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    pub seed: u64,
    pub trace_hash: u64,
    pub events: u64,
    pub virtual_ms: u64,
    /// Violations that fail the run.
    pub violations: Vec<Violation>,
    /// Violations the scenario expects (beyond-model faults): reported, not failing.
    pub expected: Vec<Violation>,
    /// Coverage counters: how often the run reached each situation.
    pub probes: BTreeMap<&'static str, u64>,
}

impl RunOutcome {
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

pub struct World<'a> {
    scenario: &'a Scenario,
    seed: u64,
    bugs: Bugs,
    queue: EventQueue<Event>,
    phase: RunPhase,
    nodes: Vec<NodeHost>,
    clients: Vec<Client>,
    /// Which client holds each open connection.
    conn_owner: BTreeMap<ConnId, usize>,
    next_conn: u64,
    workload: WorkloadGen,
    rng_workload: ChaCha8Rng,
    rng_disk: ChaCha8Rng,
    rng_nemesis: ChaCha8Rng,
    rng_network: ChaCha8Rng,
    rng_entropy: ChaCha8Rng,
    trace: Trace,
    violations: Vec<Violation>,
    probes: BTreeMap<&'static str, u64>,
    sequential: SequentialCheck,
    outputs: Vec<Output>,
    stopped: bool,
}

impl<'a> World<'a> {
    pub fn new(
        scenario: &'a Scenario,
        seed: u64,
        bugs: Bugs,
        trace_sink: Option<Box<dyn Write>>,
    ) -> World<'a> {
        let nodes = (0..scenario.cluster.nodes)
            .map(|_| NodeHost::new(scenario.disk.capacity_bytes))
            .collect();
        let clients = (0..scenario.workload.clients as usize)
            .map(Client::new)
            .collect();
        World {
            scenario,
            seed,
            bugs,
            queue: EventQueue::default(),
            phase: RunPhase::Faults,
            nodes,
            clients,
            conn_owner: BTreeMap::new(),
            next_conn: 0,
            workload: WorkloadGen::new(&scenario.workload),
            rng_workload: stream(seed, Stream::Workload),
            rng_disk: stream(seed, Stream::Disk),
            rng_nemesis: stream(seed, Stream::Nemesis),
            rng_network: stream(seed, Stream::Network),
            rng_entropy: stream(seed, Stream::CoreEntropy),
            trace: Trace::new(trace_sink),
            violations: Vec::new(),
            probes: BTreeMap::new(),
            sequential: SequentialCheck::default(),
            outputs: Vec::new(),
            stopped: false,
        }
    }

    /// Runs to the end. A panic inside (a broken invariant) propagates; the
    /// caller can still read the trace and violations so far via `outcome`.
    pub fn run(&mut self) {
        self.schedule_start();
        while let Some((time_us, event)) = self.queue.pop() {
            self.trace
                .record(time_us, event_node(&event), "event", &event);
            self.handle(event);
            assert!(
                self.trace.events() < RUN_EVENTS_MAX,
                "run exceeded {RUN_EVENTS_MAX} events"
            );
            if self.stopped {
                break;
            }
        }
        self.phase = RunPhase::Done;
    }

    /// The outcome so far (complete after `run` returns).
    pub fn outcome(&mut self) -> RunOutcome {
        let allowed = &self.scenario.expect.allow;
        let (expected, violations) = self
            .violations
            .iter()
            .cloned()
            .partition(|v| allowed.contains(&v.kind));
        RunOutcome {
            seed: self.seed,
            trace_hash: self.trace.hash(),
            events: self.trace.events(),
            virtual_ms: self.queue.now_us() / 1000,
            violations,
            expected,
            probes: self.probes.clone(),
        }
    }

    /// Records a panic that escaped `run` as a violation.
    pub fn record_panic(&mut self, message: String) {
        self.violation(ViolationKind::Panic, None, message);
    }

    pub fn finish_trace(&mut self) -> std::io::Result<()> {
        self.trace.finish()
    }

    fn schedule_start(&mut self) {
        for node in 0..self.nodes.len() as u32 {
            self.queue.schedule(0, Event::Restart { node });
        }
        for client in 0..self.clients.len() {
            let delay = self.rng_workload.gen_range(1_000..20_000);
            self.queue.schedule(delay, Event::ClientWake { client });
        }
        let duration_us = self.scenario.duration_ms * 1000;
        self.queue.schedule(duration_us, Event::HealStart);
        self.queue
            .schedule(duration_us + self.scenario.heal_ms * 1000, Event::HealEnd);
        self.schedule_faults();
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::ClientWake { client } => self.client_wake(client),
            Event::ToServer {
                node,
                incarnation,
                conn,
                request,
            } => self.request_arrives(node, incarnation, conn, request),
            Event::ToClient {
                client,
                conn,
                reply,
            } => self.reply_arrives(client, conn, reply),
            Event::DiskComplete {
                node,
                incarnation,
                io,
            } => self.disk_complete(node, incarnation, io),
            Event::Crash {
                node,
                incarnation,
                cause,
            } => {
                // Scheduled crashes hit whatever incarnation is running then.
                if cause == CrashCause::Scheduled
                    || self.nodes[node as usize].incarnation == incarnation
                {
                    self.crash(node, cause);
                }
            }
            Event::Restart { node } => self.restart(node),
            Event::BitRot { node } => self.bit_rot(node),
            Event::RandomCrash => self.random_crash(),
            Event::RandomBitRot => self.random_bit_rot(),
            Event::HealStart => self.phase = RunPhase::Healing,
            Event::HealEnd => {
                self.phase = RunPhase::Draining;
                self.queue.schedule_in(DRAIN_US, Event::Finish);
            }
            Event::Finish => self.finish(),
        }
    }

    fn now_ms(&self) -> u64 {
        self.queue.now_us() / 1000
    }

    fn probe(&mut self, name: &'static str) {
        *self.probes.entry(name).or_insert(0) += 1;
    }

    fn violation(&mut self, kind: ViolationKind, node: Option<u32>, message: String) {
        let violation = Violation {
            kind,
            time_ms: self.now_ms(),
            node,
            message,
        };
        self.trace
            .record(self.queue.now_us(), node, "violation", &violation);
        self.violations.push(violation);
    }
}

fn event_node(event: &Event) -> Option<u32> {
    match event {
        Event::ToServer { node, .. }
        | Event::DiskComplete { node, .. }
        | Event::Crash { node, .. }
        | Event::Restart { node }
        | Event::BitRot { node } => Some(*node),
        _ => None,
    }
}

/// Runs one seed to completion, turning a panic into a violation.
pub fn run_seed(
    scenario: &Scenario,
    seed: u64,
    bugs: Bugs,
    trace_sink: Option<Box<dyn Write>>,
) -> RunOutcome {
    let mut world = World::new(scenario, seed, bugs, trace_sink);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| world.run()));
    if let Err(payload) = result {
        let message = crate::panics::message(&payload);
        world.record_panic(message);
    }
    let _ = world.finish_trace();
    world.outcome()
}
