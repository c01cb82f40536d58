//! Crashes and restarts: what the disk keeps at a crash, connections that die
//! with the process, and recovery at restart (checked against the ghost).

use super::node::{NodeState, Rebase};
use super::recorder::Role;
use super::{CrashCause, Event, RunPhase, World, DBID};
use crate::checker::purge::check_fallbacks;
use crate::checker::recovery::check_recovery;
use crate::checker::zab::Observation;
use crate::scenario::{FaultAction, FaultEvent, Millis};
use crate::violation::ViolationKind;
use rand::Rng;
use zksim_core::bugs::PlantedBug;
use zksim_core::ids::NodeId;
use zksim_core::peer::store::StoreConfig;
use zksim_core::peer::{Peer, PeerConfig};
use zksim_core::persist::{recover_with_bugs, Recovered};

/// The most faults one run may log (a runaway guard; runs log hundreds).
const FAULT_LOG_MAX: usize = 1_000_000;

/// An exponentially distributed delay with the given mean (memoryless faults).
pub(super) fn exponential_us(rng: &mut impl Rng, mean_ms: u64) -> u64 {
    let uniform: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
    let delay = -uniform.ln() * (mean_ms as f64) * 1000.0;
    delay.min(1e15) as u64 + 1
}

impl World {
    pub(super) fn random_crash(&mut self) {
        if self.phase != RunPhase::Faults {
            return;
        }
        let all = self.scenario.faults.crash_all_probability;
        if all > 0.0 && self.rng_nemesis.gen_bool(all) {
            self.crash_all(CrashCause::PowerLoss);
        } else {
            let node = self.rng_nemesis.gen_range(0..self.nodes.len() as u32);
            self.crash(node, CrashCause::Random);
        }
        let delay = exponential_us(
            &mut self.rng_nemesis,
            self.scenario.faults.crash_interval_ms,
        );
        self.queue.schedule_in(delay, Event::RandomCrash);
    }

    pub(super) fn crash_all(&mut self, cause: CrashCause) {
        self.crash_all_restarting(cause, None);
    }

    /// Power loss; `restarts_us[n]`, when given, says when node n restarts.
    pub(super) fn crash_all_restarting(
        &mut self,
        cause: CrashCause,
        restarts_us: Option<&[Option<u64>]>,
    ) {
        assert!(restarts_us.is_none_or(|r| r.len() == self.nodes.len()));
        self.probe("power-losses");
        let mut delays = Vec::with_capacity(self.nodes.len());
        for node in 0..self.nodes.len() as u32 {
            let restart = restarts_us.and_then(|r| r[node as usize]);
            delays.push(self.crash_unlogged(node, cause, restart));
        }
        let mut event = FaultEvent::new(0, FaultAction::CrashAll, 0);
        // A node already down keeps its pending restart: `null` for it.
        let delays = delays.into_iter().map(|d| d.map(Millis::from_us));
        event.restarts_after_ms = Some(delays.collect());
        self.log_fault(event);
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
        self.log_fault(FaultEvent::new(0, FaultAction::BitRot, node));
        if let Some(rot) = self.nodes[node as usize].disk.rot(&mut self.rng_disk) {
            self.probe("bit-rots");
            self.nodes[node as usize]
                .rotted_files
                .insert(rot.file.clone());
            self.trace.record(
                self.queue.now_us(),
                Some(node),
                "bit-rot",
                &(rot.file, rot.offset, rot.bit),
            );
        }
    }

    /// Kills the node's process: unsynced writes meet their fate, connections
    /// reset; it restarts after a random delay.
    pub(super) fn crash(&mut self, node: u32, cause: CrashCause) {
        self.crash_restarting(node, cause, None);
    }

    /// A crash in the middle of handling a disk completion while a snapshot
    /// is being written; logged as `crash-mid-snapshot`, which an explicit
    /// replay arms just before that completion.
    pub(super) fn crash_mid_snapshot(&mut self, node: u32, restart_us: Option<u64>) {
        let before = self.events_this_us;
        if let Some(delay) = self.crash_unlogged(node, CrashCause::MidSnapshot, restart_us) {
            let mut event = FaultEvent::new(0, FaultAction::CrashMidSnapshot, node);
            event.restart_after_ms = Some(Millis::from_us(delay));
            self.log_fault(event);
            // Armed before the completion being handled, not after it.
            let last = self.fault_log.last_mut().expect("just logged");
            last.after_events = (before > 0).then_some(before);
        }
    }

    /// A crash that restarts after `restart_us` when given (an explicit
    /// schedule), else after a random delay; logged as a fault unless the node
    /// halted itself or the run is over.
    pub(super) fn crash_restarting(
        &mut self,
        node: u32,
        cause: CrashCause,
        restart_us: Option<u64>,
    ) {
        let delay = self.crash_unlogged(node, cause, restart_us);
        let by_nemesis = !matches!(cause, CrashCause::Halted | CrashCause::FinalCheck);
        if let (Some(delay), true) = (delay, by_nemesis) {
            let mut event = FaultEvent::new(0, FaultAction::Crash, node);
            event.restart_after_ms = Some(Millis::from_us(delay));
            self.log_fault(event);
        }
    }

    /// The crash itself; the restart delay it scheduled, if it crashed a
    /// running node and will restart it.
    pub(super) fn crash_unlogged(
        &mut self,
        node: u32,
        cause: CrashCause,
        restart_us: Option<u64>,
    ) -> Option<u64> {
        let host = &mut self.nodes[node as usize];
        if host.state != NodeState::Up {
            return None;
        }
        let mid_fsync =
            matches!(host.disk_requests.front(), Some((_, op)) if op.kind().starts_with("fsync"));
        host.server = None;
        host.state = NodeState::Down;
        host.incarnation += 1;
        host.disk_requests.clear();
        host.disk_busy = false;
        host.crash_during_snapshot = false;
        host.crash_mid_snapshot_armed = None;
        host.paused_until_us = None;
        host.committed_reported = zksim_core::ids::Zxid::ZERO;
        if host.rebase == Rebase::Reloading {
            host.rebase = Rebase::OnRecovery;
        }
        let fates = &self.scenario.disk.crash_sectors;
        let fates = crate::disk::SectorFates {
            kept: fates.kept,
            lost: fates.lost,
            torn: fates.torn,
        };
        let report = host.disk.crash(&mut self.rng_disk, &fates);
        self.trace
            .record(self.queue.now_us(), Some(node), "crash", &(cause, &report));
        self.record_role(node, Role::Down, None);
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
        let peers = self.network.reset_node(node);
        if cause != CrashCause::PowerLoss && cause != CrashCause::FinalCheck {
            // The process died: its peers see the connections refused.
            let pairs: Vec<(u32, u32)> = peers.into_iter().map(|peer| (node, peer)).collect();
            self.connections_reset(&pairs);
        }
        if cause == CrashCause::FinalCheck {
            return None;
        }
        let [low, high] = self.scenario.faults.restart_delay_ms;
        let delay_us = match (restart_us, cause) {
            (Some(delay_us), _) => delay_us,
            // A node that halted itself (a disk error) is no fault of the
            // nemesis: its restart is drawn from the disk's stream, so that an
            // explicit replay of the nemesis's faults restarts it alike.
            (None, CrashCause::Halted) => self.rng_disk.gen_range(low * 1000..=high * 1000),
            (None, _) => self.rng_nemesis.gen_range(low * 1000..=high * 1000),
        };
        self.queue.schedule_in(delay_us, Event::Restart { node });
        Some(delay_us)
    }

    /// Records a fault the run injects now, as an explicit schedule event.
    pub(super) fn log_fault(&mut self, mut event: FaultEvent) {
        event.at_ms = Millis::from_us(self.queue.now_us());
        event.after_events = (self.events_this_us > 0).then_some(self.events_this_us);
        assert!(self
            .fault_log
            .last()
            .is_none_or(|last| last.at_ms <= event.at_ms));
        assert!(
            self.fault_log.len() < FAULT_LOG_MAX,
            "more than {FAULT_LOG_MAX} faults"
        );
        self.fault_log.push(event);
    }

    /// Recovers the node from its disk, checks the recovery, and starts a replica.
    pub(super) fn restart(&mut self, node: u32) {
        if self.nodes[node as usize].state != NodeState::Down {
            return;
        }
        let image = self.nodes[node as usize].disk.image();
        let recovered = match recover_with_bugs(&image, DBID, self.bugs) {
            Ok(recovered) if recovered.repairing => {
                self.probe("repairs-resumed");
                self.start_repair(node, &image);
                return;
            }
            Ok(recovered) => recovered,
            Err(error) if self.nodes.len() > 1 => {
                // In an ensemble, detected damage is in the fault model: the
                // replica rebuilds from a leader established without it.
                self.probe("repairs-started");
                let message =
                    format!("n{node} found its data directory damaged and rebuilds it: {error}");
                self.trace
                    .record(self.queue.now_us(), Some(node), "damage-detected", &message);
                self.start_repair(node, &image);
                return;
            }
            Err(error) => {
                self.violation(
                    ViolationKind::CorruptionDetected,
                    Some(node),
                    format!("n{node} refused to start: {error}"),
                );
                self.nodes[node as usize].state = NodeState::Failed;
                // A lone node is the whole ensemble: nothing more can happen.
                self.stopped = self.nodes.len() == 1;
                return;
            }
        };
        self.probe("recoveries");
        let rebase = std::mem::replace(&mut self.nodes[node as usize].rebase, Rebase::None);
        assert_ne!(rebase, Rebase::Reloading, "the process died first");
        if rebase == Rebase::OnRecovery {
            // Beyond the model (see `Note::TruncatedApplied`).
            let host = &mut self.nodes[node as usize];
            host.ghost = super::backup::restored_ghost(&recovered, &mut self.ledger);
            host.ghosts_before_sync.clear();
            host.delivered_max = zksim_core::ids::Zxid::ZERO;
            self.observe(Observation::Wiped { node });
        }
        if !recovered.snapshots_rejected.is_empty() {
            self.probe("snapshot-fallbacks");
        }
        if recovered.torn_tail.is_some() {
            self.probe("torn-tails-found");
        }
        self.check_restart(node, &recovered);
        self.lineage_truncate(node, recovered.last_zxid);
        let retain = self.scenario.cluster.snapshot_retain as usize;
        let purged = &self.nodes[node as usize].purged;
        for (kind, message) in check_fallbacks(image, DBID, &recovered, retain, purged) {
            self.violation(kind, Some(node), message);
        }
        let host = &self.nodes[node as usize];
        let rotted = |file: &String| host.rotted_files.contains(file);
        // Recovery truncates a torn tail, or skips damage inside a sector after
        // the last valid record (a torn batch either way: it cannot tell). The
        // second counts when it took txns the node had delivered (rot in a
        // batch's padding, say, takes none).
        let rotted_tail = recovered
            .torn_tail
            .as_ref()
            .is_some_and(|tail| rotted(&tail.file))
            || ((recovered.skipped_tail.as_ref()).is_some_and(|tail| rotted(&tail.file))
                && recovered.last_zxid < host.delivered_max);
        if rotted_tail {
            // Bit rot in the log's last batch, before any later write proved
            // it durable, reads as a torn write: recovery cannot tell, and
            // what the batch held is gone without a trace (the fault model's
            // edge, as in ZooKeeper). The replica's history restarts here.
            self.probe("rotted-tails-taken-for-torn");
            self.observe(Observation::Wiped { node });
        }
        let history_last = recovered.last_zxid;
        self.observe(Observation::Recovered { node, history_last });
        self.sync_delivered_point(node);
        self.trace.record(
            self.queue.now_us(),
            Some(node),
            "recovered",
            &(recovered.last_zxid, recovered.tree.digest()),
        );
        let config = self.peer_config(node);
        let local_ms = self.nodes[node as usize]
            .clock
            .local_ms(self.queue.now_us());
        let host = &mut self.nodes[node as usize];
        host.server = Some(Peer::start(config, recovered, local_ms));
        host.state = NodeState::Up;
        self.drain_outputs(node);
        self.schedule_tick(node);
    }

    /// Wipes and rebuilds a damaged replica; its ghost and delivered history start over.
    fn start_repair(&mut self, node: u32, image: &zksim_core::persist::DataDirImage) {
        let host = &mut self.nodes[node as usize];
        // The wipe takes effect only once its marker is durable: a crash
        // before that leaves the old files, and if their damage is then gone
        // (an operator purged the damaged file meanwhile) the next recovery
        // reads the old history. Keep its record as a state to fall back on,
        // unless that recovery rebuilds the record anyway (`Rebase`).
        let old = std::mem::take(&mut host.ghost);
        assert_ne!(host.rebase, Rebase::Reloading, "the process died first");
        let rebase_pending = host.rebase == Rebase::OnRecovery;
        if !rebase_pending {
            host.ghosts_before_sync.push(old);
        }
        host.delivered_max = zksim_core::ids::Zxid::ZERO;
        if rebase_pending {
            self.probe("repairs-awaiting-a-rebase");
        }
        self.observe(Observation::Wiped { node });
        let config = self.peer_config(node);
        let local_ms = self.nodes[node as usize]
            .clock
            .local_ms(self.queue.now_us());
        let host = &mut self.nodes[node as usize];
        host.server = Some(Peer::start_repair(config, image, local_ms));
        host.state = NodeState::Up;
        self.drain_outputs(node);
        self.schedule_tick(node);
    }

    /// Recovery against the ghost; a TRUNC or SNAP the crash undid leaves the earlier ghost valid.
    fn check_restart(&mut self, node: u32, recovered: &Recovered) {
        let host = &mut self.nodes[node as usize];
        let mut findings = check_recovery(&mut host.ghost, recovered);
        let mut undone = false;
        // Newest first: the crash may have undone the latest syncs, one or more.
        while !findings.is_empty() {
            let Some(mut before) = host.ghosts_before_sync.pop() else {
                break;
            };
            let earlier = check_recovery(&mut before, recovered);
            if earlier.is_empty() {
                host.ghost = before;
                findings = earlier;
                undone = true;
            }
        }
        host.ghosts_before_sync.clear();
        if undone {
            // A sync never made durable (no UPTODATE: nothing served from it) was
            // undone: the replica's delivered history is what it recovered.
            self.probe("syncs-undone-by-crash");
            self.observe(Observation::Wiped { node });
        }
        for (kind, message) in findings {
            self.violation(kind, Some(node), message);
        }
    }

    fn peer_config(&mut self, node: u32) -> PeerConfig {
        let cluster = &self.scenario.cluster;
        PeerConfig {
            id: NodeId(node),
            members: (0..cluster.nodes).map(NodeId).collect(),
            store: StoreConfig {
                dbid: DBID,
                snapshot_every_txns: cluster.snapshot_every_txns,
                snapshot_chunk_nodes: cluster.snapshot_chunk_nodes as usize,
                log_roll_bytes: cluster.log_roll_bytes,
                snapshot_retain: cluster.snapshot_retain as usize,
                entropy: self.rng_entropy.gen(),
                ack_before_fsync: self.bugs.has(PlantedBug::AckBeforeFsync),
                bugs: self.bugs,
            },
            init_limit_ticks: u64::from(cluster.init_limit_ticks),
            sync_limit_ticks: u64::from(cluster.sync_limit_ticks),
            finalize_wait_ticks: 2,
            committed_log_txns: cluster.committed_log_txns as usize,
            tick_ms: cluster.tick_ms,
            bugs: self.bugs,
        }
    }
}
