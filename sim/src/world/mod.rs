//! The simulated world: one event loop over virtual time that drives the
//! replicas, their disks and clocks, the network between them, the clients
//! and the nemesis; records a trace; and checks what happened. Single-threaded
//! and deterministic: the seed and the scenario decide everything.

mod backup;
mod beyond_model;
mod client_replies;
mod clients;
mod disaster;
mod disk_service;
mod events;
mod faults;
mod finish;
mod lineage;
mod linearizability;
mod nemesis;
mod node;
mod observe;
mod operator;
mod outputs;
mod peers;
mod recipes;
pub mod recorder;
mod script;

pub use events::{CrashCause, Event, ServerMessage};
pub use script::{Script, ScriptAction, ScriptOutcome, ScriptStep, StepResult};

use crate::checker::recipes::Hold;
use crate::checker::sequential::SequentialCheck;
use crate::checker::watches::ChangeIndex;
use crate::checker::zab::ZabChecker;
use crate::clock::NodeClock;
use crate::digest_ledger::DigestLedger;
use crate::history::History;
use crate::network::{Network, NetworkConfig};
use crate::queue::{EventQueue, TimeUs};
use crate::rng::{stream, Stream};
use crate::scenario::{FaultEvent, Scenario};
use crate::trace::{Trace, TraceObservations, TraceOptions};
use crate::violation::{Violation, ViolationKind};
use crate::workload::WorkloadGen;
use clients::Client;
use node::NodeHost;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::io::Write;
use zksim_core::bugs::Bugs;
use zksim_core::ids::{ConnId, Zxid};
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
    /// In swarm mode, the fault kinds and rates this seed chose.
    pub swarm: Vec<String>,
    /// Every fault the run injected, as explicit schedule events at the exact
    /// microsecond (random and scheduled alike): the shrinker's starting point.
    pub faults: Vec<FaultEvent>,
}

impl RunOutcome {
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

pub struct World {
    /// The scenario as this seed runs it (swarm mode makes it concrete).
    scenario: Scenario,
    swarm: Vec<String>,
    schedule: Vec<FaultEvent>,
    seed: u64,
    bugs: Bugs,
    queue: EventQueue<Event>,
    phase: RunPhase,
    nodes: Vec<NodeHost>,
    network: Network,
    network_config: NetworkConfig,
    partition_generation: u64,
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
    rng_clock: ChaCha8Rng,
    trace: Trace,
    violations: Vec<Violation>,
    probes: BTreeMap<&'static str, u64>,
    sequential: SequentialCheck,
    zab: ZabChecker,
    /// The digests of the histories the nodes' ghosts replayed, shared by them.
    ledger: DigestLedger,
    /// What every client asked and was told.
    history: History,
    /// When each lock-recipe client believed it held the lock.
    lock_holds: Vec<Hold>,
    /// Every applied txn's effects, for the watch check.
    changes: ChangeIndex,
    /// The highest zxid whose outcome any client was told.
    acked_max: Zxid,
    /// Every fault injected so far (see [`RunOutcome::faults`]).
    fault_log: Vec<FaultEvent>,
    /// Backups operators took, complete or in progress (at most `BACKUPS_KEPT`).
    backups: Vec<backup::Backup>,
    /// The id the next backup gets.
    next_backup_id: u64,
    /// Every write (txn) a client was told succeeded, by zxid, with its
    /// content hash where the answering replica's record held it.
    acked_writes: BTreeMap<Zxid, Option<u64>>,
    /// Beyond-model actions taken, in words (their loss is reported at the end).
    beyond_model: Vec<String>,
    /// Disaster recoveries so far: each starts a new era.
    era: u32,
    /// Whether nodes' lineages are kept (the schedule has a beyond-model action).
    track_lineage: bool,
    /// Events of the workload and the replicas (not the nemesis's) handled
    /// so far at the current microsecond: where a fault falls among
    /// simultaneous events (see `FaultEvent::after_events`).
    events_this_us: u32,
    /// The microsecond `events_this_us` counts.
    events_us: TimeUs,
    /// What a failure report draws; on only when re-running for a report.
    recorder: Option<Box<recorder::Recorder>>,
    /// A scripted run (`zksim exec`): its clients run the script, not the op mix.
    script: Option<Box<script::ScriptRun>>,
    outputs: Vec<Output>,
    stopped: bool,
}

impl World {
    pub fn new(
        scenario: &Scenario,
        seed: u64,
        bugs: Bugs,
        trace_sink: Option<Box<dyn Write>>,
    ) -> World {
        World::with_trace(scenario, seed, bugs, Trace::new(trace_sink))
    }

    /// A world recording into `trace` (e.g. one with optional modes on, see
    /// `run_seed_traced`); `trace` must not have recorded anything yet.
    pub fn with_trace(scenario: &Scenario, seed: u64, bugs: Bugs, mut trace: Trace) -> World {
        assert_eq!(trace.events(), 0, "a world starts with an empty trace");
        let (scenario, swarm) = scenario.for_seed(&mut stream(seed, Stream::Swarm));
        let mut rng_clock = stream(seed, Stream::Clock);
        let nodes = (0..scenario.cluster.nodes)
            .map(|_| {
                let clock = NodeClock::random(scenario.clock.max_drift_ppm, &mut rng_clock);
                NodeHost::new(scenario.disk.capacity_bytes, clock)
            })
            .collect();
        let clients = recipes::clients(&scenario.workload);
        let network_config = NetworkConfig {
            latency_us: scenario.network.latency_us,
            spike_probability: scenario.network.spike_probability,
            spike_latency_us: scenario.network.spike_latency_us,
        };
        trace.record(0, None, "swarm", &swarm);
        World {
            schedule: scenario.faults.sorted_schedule(),
            swarm,
            seed,
            bugs,
            queue: EventQueue::default(),
            phase: RunPhase::Faults,
            nodes,
            network: Network::new(scenario.cluster.nodes),
            network_config,
            partition_generation: 0,
            clients,
            conn_owner: BTreeMap::new(),
            next_conn: 0,
            workload: WorkloadGen::new(&scenario.workload),
            rng_workload: stream(seed, Stream::Workload),
            rng_disk: stream(seed, Stream::Disk),
            rng_nemesis: stream(seed, Stream::Nemesis),
            rng_network: stream(seed, Stream::Network),
            rng_entropy: stream(seed, Stream::CoreEntropy),
            rng_clock,
            trace,
            violations: Vec::new(),
            probes: BTreeMap::new(),
            sequential: SequentialCheck::default(),
            zab: ZabChecker::new(scenario.cluster.nodes),
            ledger: DigestLedger::default(),
            history: History::default(),
            lock_holds: Vec::new(),
            changes: ChangeIndex::default(),
            acked_max: Zxid::ZERO,
            fault_log: Vec::new(),
            backups: Vec::new(),
            next_backup_id: 0,
            acked_writes: BTreeMap::new(),
            beyond_model: Vec::new(),
            era: 0,
            track_lineage: scenario
                .faults
                .schedule
                .iter()
                .any(|event| event.action.is_beyond_model()),
            events_this_us: 0,
            events_us: 0,
            recorder: None,
            script: None,
            outputs: Vec::new(),
            stopped: false,
            scenario,
        }
    }

    /// Runs to the end. A panic inside (a broken invariant) propagates; the
    /// caller can still read the trace and violations so far via `outcome`.
    pub fn run(&mut self) {
        self.schedule_start();
        while let Some((time_us, event)) = self.queue.pop() {
            if let Some(until) = self.paused_target(&event) {
                self.queue.schedule(until, event);
                continue;
            }
            self.trace
                .record(time_us, event_node(&event), "event", &event);
            if time_us != self.events_us {
                self.events_us = time_us;
                self.events_this_us = 0;
            }
            let from_nemesis = is_nemesis(&event);
            self.handle(event);
            if !from_nemesis {
                self.events_this_us += 1;
            }
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
            swarm: self.swarm.clone(),
            faults: self.fault_log.clone(),
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

    /// Events for a paused node wait until it runs again.
    fn paused_target(&self, event: &Event) -> Option<u64> {
        let node = match event {
            Event::ToServer { node, .. }
            | Event::Tick { node, .. }
            | Event::DiskComplete { node, .. } => *node,
            Event::PeerMessage { to, .. } => *to,
            _ => return None,
        };
        self.nodes[node as usize]
            .paused_until_us
            .filter(|until| *until > self.queue.now_us())
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
                message,
            } => self.message_arrives(client, conn, message),
            Event::PeerMessage {
                from,
                to,
                generation,
                msg,
            } => self.peer_message_arrives(from, to, generation, msg),
            Event::Tick { node, incarnation } => self.tick(node, incarnation),
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
            Event::Unpause { node } => self.unpause(node),
            Event::ScheduledFault { index } => self.scheduled_fault(index),
            Event::RandomCrash => self.random_crash(),
            Event::RandomBitRot => self.random_bit_rot(),
            Event::RandomPartition => self.random_partition(),
            Event::HealPartition { generation } => self.heal_partition(generation),
            Event::RandomPause => self.random_pause(),
            Event::RandomReset => self.random_reset(),
            Event::RandomClockStep => self.random_clock_step(),
            Event::RandomClientDisconnect => self.random_client_disconnect(),
            Event::RandomPurge => self.random_purge(),
            Event::RandomBackup => self.random_backup(),
            Event::BackupStep { backup } => self.backup_step(backup),
            Event::RandomRestore => self.random_restore(),
            Event::HealStart => self.heal_start(),
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

    /// Records what a failure report draws (see [`recorder::Recorder`]).
    pub fn enable_recorder(&mut self) {
        self.recorder = Some(Box::new(recorder::Recorder::new(
            self.scenario.cluster.nodes,
        )));
    }

    /// The recorder's findings, if it was enabled.
    pub fn take_recorder(&mut self) -> Option<recorder::Recorder> {
        self.recorder.take().map(|recorder| *recorder)
    }

    fn violation(&mut self, kind: ViolationKind, node: Option<u32>, message: String) {
        let failing = !self.scenario.expect.allows(kind);
        if let (Some(recorder), true) = (self.recorder.as_mut(), failing) {
            recorder.frozen = true;
        }
        let violation = Violation {
            kind,
            time_ms: self.now_ms(),
            node,
            message,
        };
        self.trace
            .record(self.queue.now_us(), node, "violation", &violation);
        // The trace excerpt (if kept) ends at the first failing violation.
        if !self.scenario.expect.allow.contains(&violation.kind) {
            self.trace.freeze_excerpt();
        }
        self.violations.push(violation);
    }
}

/// The nemesis's own events: an explicit replay of its faults has other ones
/// (or none) in their place.
fn is_nemesis(event: &Event) -> bool {
    matches!(
        event,
        Event::ScheduledFault { .. }
            | Event::Crash { .. }
            | Event::BitRot { .. }
            | Event::RandomCrash
            | Event::RandomBitRot
            | Event::RandomPartition
            | Event::HealPartition { .. }
            | Event::RandomPause
            | Event::RandomReset
            | Event::RandomClockStep
            | Event::RandomClientDisconnect
            | Event::RandomPurge
            | Event::RandomBackup
            | Event::BackupStep { .. }
            | Event::RandomRestore
    )
}

fn event_node(event: &Event) -> Option<u32> {
    match event {
        Event::ToServer { node, .. }
        | Event::Tick { node, .. }
        | Event::DiskComplete { node, .. }
        | Event::Crash { node, .. }
        | Event::Restart { node }
        | Event::Unpause { node }
        | Event::BitRot { node } => Some(*node),
        Event::PeerMessage { to, .. } => Some(*to),
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
    run_seed_with_history(scenario, seed, bugs, trace_sink).0
}

/// Runs a script (`zksim exec`) against a fault-free ensemble of `ensemble`
/// replicas, step by step; `seed` varies only the timing. Deterministic: the
/// same script, ensemble and seed give the same outcome.
pub fn run_script(script: &Script, ensemble: u32, seed: u64) -> ScriptOutcome {
    let scenario = script::scenario(ensemble, script.steps.len());
    let mut world = World::new(&scenario, seed, Bugs::none(), None);
    world.install_script(script);
    if !script.steps.is_empty() {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| world.run()));
        if let Err(payload) = result {
            let message = crate::panics::message(&payload);
            world.record_panic(message);
        }
    }
    world.take_script_outcome()
}

/// Runs one seed and also returns the client history it recorded.
pub fn run_seed_with_history(
    scenario: &Scenario,
    seed: u64,
    bugs: Bugs,
    trace_sink: Option<Box<dyn Write>>,
) -> (RunOutcome, History) {
    let mut world = World::new(scenario, seed, bugs, trace_sink);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| world.run()));
    if let Err(payload) = result {
        let message = crate::panics::message(&payload);
        world.record_panic(message);
    }
    let _ = world.finish_trace();
    let history = std::mem::take(&mut world.history);
    (world.outcome(), history)
}

/// Runs one seed with the trace's optional modes on (see `TraceOptions`), and
/// returns what they gathered with the outcome and history. The trace hash is
/// the same as `run_seed` gives: the modes only watch.
pub fn run_seed_traced(
    scenario: &Scenario,
    seed: u64,
    bugs: Bugs,
    options: TraceOptions,
) -> (RunOutcome, History, TraceObservations) {
    let trace = Trace::with_options(None, options);
    let mut world = World::with_trace(scenario, seed, bugs, trace);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| world.run()));
    if let Err(payload) = result {
        let message = crate::panics::message(&payload);
        world.record_panic(message);
    }
    let history = std::mem::take(&mut world.history);
    let observations = world.trace.take_observations();
    (world.outcome(), history, observations)
}

/// Runs one seed for its failure report: the recorder on, and the trace's
/// last `excerpt_events` events before the first failing violation kept.
/// Changes nothing the run does (the same trace hash as `run_seed`).
pub fn run_seed_recorded(
    scenario: &Scenario,
    seed: u64,
    bugs: Bugs,
    excerpt_events: usize,
    freeze_at_us: Option<u64>,
) -> crate::report::RecordedRun {
    let options = TraceOptions {
        excerpt: excerpt_events,
        ..TraceOptions::default()
    };
    let trace = Trace::with_options(None, options);
    let mut world = World::with_trace(scenario, seed, bugs, trace);
    world.enable_recorder();
    if let Some(recorder) = world.recorder.as_mut() {
        recorder.freeze_at_us = freeze_at_us;
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| world.run()));
    if let Err(payload) = result {
        let message = crate::panics::message(&payload);
        world.record_panic(message);
    }
    let history = std::mem::take(&mut world.history);
    let observations = world.trace.take_observations();
    let recorder = world.take_recorder().expect("enabled above");
    let excerpt = observations
        .excerpt
        .into_iter()
        .map(|event| zksim_reports::TraceLine {
            t_us: event.t_us,
            node: event.node,
            event: event.kind.to_string(),
            detail: event.detail,
        })
        .collect();
    crate::report::RecordedRun {
        outcome: world.outcome(),
        history,
        recorder,
        excerpt,
    }
}
