//! The nemesis: random and scheduled crashes, restarts and bit rot, and the
//! crash itself (what the disk keeps) and the restart (recovery, checked).

use super::node::NodeState;
use super::{CrashCause, Event, RunPhase, World, DBID};
use crate::checker::recovery::check_recovery;
use crate::scenario::FaultAction;
use crate::violation::ViolationKind;
use rand::Rng;
use zksim_core::persist::recover;
use zksim_core::server::{Output, Server, ServerConfig};

/// An exponentially distributed delay with the given mean (memoryless faults).
fn exponential_us(rng: &mut impl Rng, mean_ms: u64) -> u64 {
    let uniform: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
    let delay = -uniform.ln() * (mean_ms as f64) * 1000.0;
    delay.min(1e15) as u64 + 1
}

impl World<'_> {
    pub(super) fn schedule_faults(&mut self) {
        let faults = &self.scenario.faults;
        if faults.crash_interval_ms > 0 {
            let delay = exponential_us(&mut self.rng_nemesis, faults.crash_interval_ms);
            self.queue.schedule_in(delay, Event::RandomCrash);
        }
        if self.scenario.disk.bit_rot_interval_ms > 0 {
            let delay = exponential_us(
                &mut self.rng_nemesis,
                self.scenario.disk.bit_rot_interval_ms,
            );
            self.queue.schedule_in(delay, Event::RandomBitRot);
        }
        let mut schedule = faults.schedule.clone();
        schedule.sort_by_key(|event| event.at_ms);
        for fault in schedule {
            let node = fault.node;
            let event = match fault.action {
                FaultAction::Crash => Event::Crash {
                    node,
                    incarnation: u64::MAX,
                    cause: CrashCause::Scheduled,
                },
                FaultAction::Restart => Event::Restart { node },
                FaultAction::BitRot => Event::BitRot { node },
            };
            self.queue.schedule(fault.at_ms * 1000, event);
        }
    }

    pub(super) fn random_crash(&mut self) {
        if self.phase != RunPhase::Faults {
            return;
        }
        let node = self.rng_nemesis.gen_range(0..self.nodes.len() as u32);
        if self.nodes[node as usize].state == NodeState::Up {
            self.crash(node, CrashCause::Random);
        }
        let delay = exponential_us(
            &mut self.rng_nemesis,
            self.scenario.faults.crash_interval_ms,
        );
        self.queue.schedule_in(delay, Event::RandomCrash);
    }

    pub(super) fn random_bit_rot(&mut self) {
        if self.phase != RunPhase::Faults {
            return;
        }
        let node = self.rng_nemesis.gen_range(0..self.nodes.len() as u32);
        self.bit_rot(node);
        let delay = exponential_us(
            &mut self.rng_nemesis,
            self.scenario.disk.bit_rot_interval_ms,
        );
        self.queue.schedule_in(delay, Event::RandomBitRot);
    }

    pub(super) fn bit_rot(&mut self, node: u32) {
        if let Some(rot) = self.nodes[node as usize].disk.rot(&mut self.rng_disk) {
            self.probe("bit-rots");
            self.trace.record(
                self.queue.now_us(),
                Some(node),
                "bit-rot",
                &(rot.file, rot.offset, rot.bit),
            );
        }
    }

    /// Kills the node's process: unsynced writes meet their fate, connections reset.
    pub(super) fn crash(&mut self, node: u32, cause: CrashCause) {
        let host = &mut self.nodes[node as usize];
        if host.state != NodeState::Up {
            return;
        }
        let mid_fsync =
            matches!(host.disk_requests.front(), Some((_, op)) if op.kind().starts_with("fsync"));
        host.server = None;
        host.state = NodeState::Down;
        host.incarnation += 1;
        host.disk_requests.clear();
        host.disk_busy = false;
        host.crash_during_snapshot = false;
        let fates = &self.scenario.disk.crash_sectors;
        let fates = crate::disk::SectorFates {
            kept: fates.kept,
            lost: fates.lost,
            torn: fates.torn,
        };
        let report = host.disk.crash(&mut self.rng_disk, &fates);
        self.trace
            .record(self.queue.now_us(), Some(node), "crash", &(cause, &report));
        self.probe("crashes");
        if mid_fsync {
            self.probe("crashes-mid-fsync");
        }
        if cause == CrashCause::MidSnapshot {
            self.probe("crashes-mid-snapshot");
        }
        if report.sectors_torn > 0 {
            self.probe("crashes-with-torn-sectors");
        }
        self.reset_connections(node);
        if cause != CrashCause::FinalCheck {
            let [low, high] = self.scenario.faults.restart_delay_ms;
            let delay_us = self.rng_nemesis.gen_range(low * 1000..=high * 1000);
            self.queue.schedule_in(delay_us, Event::Restart { node });
        }
    }

    /// Recovers the node from its disk, checks the recovery, and starts a server.
    pub(super) fn restart(&mut self, node: u32) {
        if self.nodes[node as usize].state != NodeState::Down {
            return;
        }
        let image = self.nodes[node as usize].disk.image();
        let recovered = match recover(&image, DBID) {
            Ok(recovered) => recovered,
            Err(error) => {
                self.violation(
                    ViolationKind::CorruptionDetected,
                    Some(node),
                    format!("n{node} refused to start: {error}"),
                );
                self.nodes[node as usize].state = NodeState::Failed;
                self.stopped = true;
                return;
            }
        };
        self.probe("recoveries");
        if !recovered.snapshots_rejected.is_empty() {
            self.probe("snapshot-fallbacks");
        }
        if recovered.torn_tail.is_some() {
            self.probe("torn-tails-found");
        }
        for (kind, message) in check_recovery(&mut self.nodes[node as usize].ghost, &recovered) {
            self.violation(kind, Some(node), message);
        }
        self.trace.record(
            self.queue.now_us(),
            Some(node),
            "recovered",
            &(recovered.last_zxid, recovered.tree.digest()),
        );
        let config = self.server_config();
        let host = &mut self.nodes[node as usize];
        host.server = Some(Server::start(config, recovered, self.queue.now_us() / 1000));
        host.state = NodeState::Up;
        self.step_outputs_after_start(node);
    }

    fn server_config(&mut self) -> ServerConfig {
        let cluster = &self.scenario.cluster;
        ServerConfig {
            dbid: DBID,
            snapshot_every_txns: cluster.snapshot_every_txns,
            snapshot_chunk_nodes: cluster.snapshot_chunk_nodes as usize,
            log_roll_bytes: cluster.log_roll_bytes,
            snapshot_retain: cluster.snapshot_retain as usize,
            bugs: self.bugs,
            entropy: self.rng_entropy.gen(),
        }
    }

    /// Handles the outputs a server produced while starting.
    fn step_outputs_after_start(&mut self, node: u32) {
        let mut outputs = Vec::new();
        self.nodes[node as usize]
            .server
            .as_mut()
            .expect("started")
            .take_outputs(&mut outputs);
        for output in outputs {
            self.trace
                .record(self.queue.now_us(), Some(node), "output", &output);
            match output {
                Output::Disk { io, op } => {
                    self.nodes[node as usize].disk_requests.push_back((io, op));
                }
                Output::Note(_) => {}
                other => panic!("a starting server produced {other:?}"),
            }
        }
        self.start_disk(node);
    }
}
