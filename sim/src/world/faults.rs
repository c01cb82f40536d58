//! The nemesis's other faults: the explicit schedule, random partitions and
//! their healing, pauses, connection resets and clock steps; and the end of
//! the fault phase, when everything heals.

use super::nemesis::exponential_us;
use super::node::NodeState;
use super::{CrashCause, Event, RunPhase, World};
use crate::network::{random_partition, Partition, PartitionKind};
use crate::scenario::{FaultAction, FaultEvent, Millis, PartitionSpec};
use rand::Rng;

impl World {
    pub(super) fn schedule_faults(&mut self) {
        let faults = self.scenario.faults.clone();
        let first = |mean_ms: u64, event: Event, world: &mut World| {
            if mean_ms > 0 {
                let delay = exponential_us(&mut world.rng_nemesis, mean_ms);
                world.queue.schedule_in(delay, event);
            }
        };
        first(faults.crash_interval_ms, Event::RandomCrash, self);
        first(
            self.scenario.disk.bit_rot_interval_ms,
            Event::RandomBitRot,
            self,
        );
        if self.nodes.len() > 1 {
            first(faults.partition_interval_ms, Event::RandomPartition, self);
            first(
                self.scenario.network.reset_interval_ms,
                Event::RandomReset,
                self,
            );
        }
        first(faults.pause_interval_ms, Event::RandomPause, self);
        first(
            faults.client_disconnect_interval_ms,
            Event::RandomClientDisconnect,
            self,
        );
        first(faults.purge_interval_ms, Event::RandomPurge, self);
        first(faults.backup_interval_ms, Event::RandomBackup, self);
        first(faults.restore_interval_ms, Event::RandomRestore, self);
        first(
            self.scenario.clock.step_interval_ms,
            Event::RandomClockStep,
            self,
        );
        for (index, fault) in self.schedule.iter().enumerate() {
            self.queue
                .schedule(fault.at_ms.as_us(), Event::ScheduledFault { index });
        }
    }

    pub(super) fn scheduled_fault(&mut self, index: usize) {
        let now = self.queue.now_us();
        let wait_for = self.schedule[index].after_events.unwrap_or(0);
        if self.events_this_us < wait_for && self.queue.peek_time() == Some(now) {
            // Later in this microsecond: behind the next event due now.
            self.queue
                .schedule_behind_next(Event::ScheduledFault { index });
            return;
        }
        let fault = self.schedule[index].clone();
        let node = fault.node;
        let restart_us = fault.restart_after_ms.map(Millis::as_us);
        match fault.action {
            FaultAction::Crash => self.crash_restarting(node, CrashCause::Scheduled, restart_us),
            FaultAction::Restart => {
                self.log_fault(FaultEvent::new(0, FaultAction::Restart, node));
                self.restart(node);
            }
            FaultAction::BitRot => self.bit_rot(node),
            FaultAction::CrashAll => {
                let restarts: Option<Vec<Option<u64>>> = fault
                    .restarts_after_ms
                    .map(|r| r.iter().map(|m| m.map(Millis::as_us)).collect());
                self.crash_all_restarting(CrashCause::PowerLoss, restarts.as_deref());
            }
            FaultAction::RestartAll => {
                self.log_fault(FaultEvent::new(0, FaultAction::RestartAll, 0));
                for node in 0..self.nodes.len() as u32 {
                    self.restart(node);
                }
            }
            FaultAction::CrashLeader => {
                if let Some(leader) = self.current_leader() {
                    self.probe("leader-crashes");
                    self.crash_restarting(leader, CrashCause::Scheduled, restart_us);
                }
            }
            FaultAction::Partition => {
                let spec = fault
                    .partition
                    .expect("validated: a partition event has its partition");
                if let Some(partition) = self.partition_from_spec(&spec) {
                    self.network.heal();
                    self.cut(&partition);
                }
            }
            FaultAction::Heal => self.heal_network(),
            FaultAction::Pause => {
                let duration = fault
                    .duration_ms
                    .expect("validated: a pause has its duration");
                self.pause(node, duration.as_us());
            }
            FaultAction::ResetConnections => {
                let peer = fault.peer.expect("validated: a reset has its peer");
                self.reset_link(node, peer);
            }
            FaultAction::ClientDisconnect => {
                let client = fault.client.expect("validated: has its client") as usize;
                let duration = fault.duration_ms.expect("validated: has its duration");
                self.disconnect_client(client, duration.as_us());
            }
            FaultAction::Backup => self.start_backup(node),
            FaultAction::Restore
            | FaultAction::RestoreLeader
            | FaultAction::DisasterRecovery
            | FaultAction::RestoreOntoQuorum
            | FaultAction::Wipe => {
                let [low, _] = self.scenario.faults.restart_delay_ms;
                self.operator_restore(fault.action, node, restart_us.unwrap_or(low * 1000));
            }
            FaultAction::Purge => {
                let retain = fault.retain.expect("validated: a purge has its retention");
                self.operator_purge(node, retain);
            }
            FaultAction::CrashMidSnapshot => {
                let [low, high] = self.scenario.faults.restart_delay_ms;
                let restart = restart_us
                    .unwrap_or_else(|| self.rng_nemesis.gen_range(low * 1000..=high * 1000));
                self.nodes[node as usize].crash_mid_snapshot_armed = Some(restart);
            }
            FaultAction::ClockStep => {
                let step = fault.step_ms.expect("validated: has its step");
                self.step_clock(node, step.as_us());
            }
        }
    }

    /// The operator actions that replace data directories.
    fn operator_restore(&mut self, action: FaultAction, node: u32, restart_us: u64) {
        match action {
            FaultAction::Restore => {
                let _restored = self.restore(node, restart_us);
            }
            FaultAction::RestoreLeader => {
                // Logged as a `restore` of the node that led.
                if let Some(leader) = self.current_leader() {
                    let _restored = self.restore(leader, restart_us);
                }
            }
            FaultAction::DisasterRecovery => self.disaster_recovery(node, restart_us),
            FaultAction::RestoreOntoQuorum => self.restore_onto_quorum(node, restart_us),
            FaultAction::Wipe => self.wipe(node, restart_us),
            _ => unreachable!("{} replaces no directory", action.name()),
        }
    }

    /// Every partition in force heals (logged: it is part of the schedule).
    fn heal_network(&mut self) {
        self.log_fault(FaultEvent::new(0, FaultAction::Heal, 0));
        self.network.heal();
    }

    fn partition_from_spec(&mut self, spec: &PartitionSpec) -> Option<Partition> {
        let nodes = self.nodes.len() as u32;
        let partition = match spec {
            PartitionSpec::Split { groups } => Partition::Split {
                groups: groups.clone(),
            },
            PartitionSpec::OneWay { from, to } => Partition::OneWay {
                from: from.clone(),
                to: to.clone(),
            },
            PartitionSpec::Bridge {
                left,
                bridge,
                right,
            } => Partition::Bridge {
                left: left.clone(),
                bridge: *bridge,
                right: right.clone(),
            },
            PartitionSpec::Isolate { node } => Partition::Isolate { node: *node },
            PartitionSpec::IsolateLeader {} => Partition::Isolate {
                node: self.current_leader()?,
            },
            PartitionSpec::MinorityMajority {} => random_partition(
                PartitionKind::MinorityMajority,
                nodes,
                self.current_leader(),
                &mut self.rng_nemesis,
            ),
        };
        Some(partition)
    }

    fn cut(&mut self, partition: &Partition) {
        let mut event = FaultEvent::new(0, FaultAction::Partition, 0);
        event.partition = Some(partition_spec(partition));
        self.log_fault(event);
        self.probe("partitions");
        self.trace
            .record(self.queue.now_us(), None, "partition", partition);
        let pairs = self.network.apply(partition);
        self.connections_reset(&pairs);
    }

    pub(super) fn random_partition(&mut self) {
        if self.phase != RunPhase::Faults {
            return;
        }
        let kinds = &self.scenario.faults.partition_kinds;
        let kind = kinds[self.rng_nemesis.gen_range(0..kinds.len())];
        let nodes = self.nodes.len() as u32;
        let leader = self.current_leader();
        let partition = random_partition(kind, nodes, leader, &mut self.rng_nemesis);
        self.network.heal();
        self.cut(&partition);
        self.partition_generation += 1;
        let [low, high] = self.scenario.faults.partition_duration_ms;
        let lasts_us = self.rng_nemesis.gen_range(low * 1000..=high * 1000);
        let generation = self.partition_generation;
        self.queue
            .schedule_in(lasts_us, Event::HealPartition { generation });
        let delay = exponential_us(
            &mut self.rng_nemesis,
            self.scenario.faults.partition_interval_ms,
        );
        self.queue.schedule_in(delay, Event::RandomPartition);
    }

    pub(super) fn heal_partition(&mut self, generation: u64) {
        if generation == self.partition_generation {
            self.heal_network();
        }
    }

    pub(super) fn random_pause(&mut self) {
        if self.phase != RunPhase::Faults {
            return;
        }
        let node = self.rng_nemesis.gen_range(0..self.nodes.len() as u32);
        let [low, high] = self.scenario.faults.pause_duration_ms;
        let duration_us = self.rng_nemesis.gen_range(low * 1000..=high * 1000);
        self.pause(node, duration_us);
        let delay = exponential_us(
            &mut self.rng_nemesis,
            self.scenario.faults.pause_interval_ms,
        );
        self.queue.schedule_in(delay, Event::RandomPause);
    }

    fn pause(&mut self, node: u32, duration_us: u64) {
        let host = &mut self.nodes[node as usize];
        if host.state != NodeState::Up || host.paused_until_us.is_some() {
            return;
        }
        let until = self.queue.now_us() + duration_us;
        host.paused_until_us = Some(until);
        let mut event = FaultEvent::new(0, FaultAction::Pause, node);
        event.duration_ms = Some(Millis::from_us(duration_us));
        self.log_fault(event);
        self.probe("pauses");
        self.queue.schedule(until, Event::Unpause { node });
    }

    pub(super) fn unpause(&mut self, node: u32) {
        self.nodes[node as usize].paused_until_us = None;
    }

    pub(super) fn random_reset(&mut self) {
        if self.phase != RunPhase::Faults {
            return;
        }
        let nodes = self.nodes.len() as u32;
        let a = self.rng_nemesis.gen_range(0..nodes);
        let b = (a + self.rng_nemesis.gen_range(1..nodes)) % nodes;
        self.reset_link(a, b);
        let delay = exponential_us(
            &mut self.rng_nemesis,
            self.scenario.network.reset_interval_ms,
        );
        self.queue.schedule_in(delay, Event::RandomReset);
    }

    /// A random client loses every server for a while (its own network fails).
    pub(super) fn random_client_disconnect(&mut self) {
        if self.phase != RunPhase::Faults || self.clients.is_empty() {
            return;
        }
        let id = self.rng_nemesis.gen_range(0..self.clients.len());
        let [low, high] = self.scenario.faults.client_disconnect_ms;
        let duration_us = self.rng_nemesis.gen_range(low..=high) * 1000;
        self.disconnect_client(id, duration_us);
        let delay = exponential_us(
            &mut self.rng_nemesis,
            self.scenario.faults.client_disconnect_interval_ms,
        );
        self.queue.schedule_in(delay, Event::RandomClientDisconnect);
    }

    pub(super) fn random_clock_step(&mut self) {
        if self.phase != RunPhase::Faults {
            return;
        }
        let node = self.rng_clock.gen_range(0..self.nodes.len() as u32);
        let [low, high] = self.scenario.clock.step_ms;
        let step_us = self.rng_clock.gen_range(low * 1000..=high * 1000);
        self.step_clock(node, step_us);
        let delay = exponential_us(&mut self.rng_nemesis, self.scenario.clock.step_interval_ms);
        self.queue.schedule_in(delay, Event::RandomClockStep);
    }

    fn reset_link(&mut self, a: u32, b: u32) {
        let mut event = FaultEvent::new(0, FaultAction::ResetConnections, a);
        event.peer = Some(b);
        self.log_fault(event);
        self.network.reset(a, b);
        self.connections_reset(&[(a.min(b), a.max(b))]);
    }

    /// The client's own network fails for a while.
    fn disconnect_client(&mut self, id: usize, duration_us: u64) {
        assert!(id < self.clients.len());
        assert!(duration_us > 0);
        let mut event = FaultEvent::new(0, FaultAction::ClientDisconnect, 0);
        event.client = Some(id as u32);
        event.duration_ms = Some(Millis::from_us(duration_us));
        self.log_fault(event);
        let until = self.queue.now_us() + duration_us;
        let client = &mut self.clients[id];
        client.offline_until_us = client.offline_until_us.max(until);
        if client.connection.is_some() {
            self.probe("client-disconnects");
            self.drop_client_connection(id);
        }
    }

    fn step_clock(&mut self, node: u32, step_us: u64) {
        let mut event = FaultEvent::new(0, FaultAction::ClockStep, node);
        event.step_ms = Some(Millis::from_us(step_us));
        self.log_fault(event);
        let now = self.queue.now_us();
        self.nodes[node as usize].clock.step_forward(now, step_us);
        self.probe("clock-steps");
    }

    /// The fault phase is over: partitions heal, paused nodes run.
    pub(super) fn heal_start(&mut self) {
        self.phase = RunPhase::Healing;
        self.network.heal();
        for node in 0..self.nodes.len() {
            self.nodes[node].paused_until_us = None;
        }
    }
}

/// The explicit spec of a concrete cut (what a schedule event says to repeat it).
fn partition_spec(partition: &Partition) -> PartitionSpec {
    match partition.clone() {
        Partition::Split { groups } => PartitionSpec::Split { groups },
        Partition::OneWay { from, to } => PartitionSpec::OneWay { from, to },
        Partition::Bridge {
            left,
            bridge,
            right,
        } => PartitionSpec::Bridge {
            left,
            bridge,
            right,
        },
        Partition::Isolate { node } => PartitionSpec::Isolate { node },
    }
}
