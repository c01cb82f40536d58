//! Serving a node's disk requests: one at a time, in order, each taking its
//! latency; faults are injected here (EIO on writes and fsyncs) and crashes
//! are armed to land while an fsync is in flight.

use super::{CrashCause, Event, RunPhase, World};
use crate::violation::ViolationKind;
use rand::Rng;
use zksim_core::ids::IoId;
use zksim_core::io::{DiskError, DiskOp};
use zksim_core::server::Input;

impl World {
    /// Starts the next disk request of `node` if the disk is idle.
    pub(super) fn start_disk(&mut self, node: u32) {
        let host = &mut self.nodes[node as usize];
        if host.disk_busy {
            return;
        }
        let Some((io, op)) = host.disk_requests.front() else {
            return;
        };
        let (io, is_sync) = (*io, matches!(op, DiskOp::Fsync { .. } | DiskOp::FsyncDir));
        host.disk_busy = true;
        let incarnation = host.incarnation;
        let [low, high] = if is_sync {
            self.scenario.disk.fsync_latency_us
        } else {
            self.scenario.disk.write_latency_us
        };
        let latency = self.rng_disk.gen_range(low..=high);
        self.queue.schedule_in(
            latency,
            Event::DiskComplete {
                node,
                incarnation,
                io,
            },
        );
        let mid_fsync = self.scenario.faults.crash_mid_fsync_probability;
        if is_sync
            && self.phase == RunPhase::Faults
            && mid_fsync > 0.0
            && self.rng_nemesis.gen_bool(mid_fsync)
        {
            let at = self.rng_nemesis.gen_range(0..latency.max(1));
            let cause = CrashCause::MidFsync;
            self.queue.schedule_in(
                at,
                Event::Crash {
                    node,
                    incarnation,
                    cause,
                },
            );
        }
    }

    pub(super) fn disk_complete(&mut self, node: u32, incarnation: u64, io: IoId) {
        let host = &mut self.nodes[node as usize];
        if host.incarnation != incarnation {
            return;
        }
        let (expected, op) = host
            .disk_requests
            .pop_front()
            .expect("a completion has a request");
        assert_eq!(expected, io, "disk requests complete in order");
        host.disk_busy = false;
        let mut result = self.execute(node, &op);
        if let (Err(DiskError::NotFound { file }), DiskOp::Remove { .. }) = (&result, &op) {
            // An operator's purge got there first: the file is gone either way.
            if self.nodes[node as usize].operator_removed.contains(file) {
                result = Ok(());
            }
        }
        if let Err(DiskError::NotFound { .. } | DiskError::AlreadyExists { .. }) = &result {
            let message = format!("the core issued {op:?}, which failed: {:?}", result);
            self.violation(ViolationKind::InvariantBroken, Some(node), message);
        }
        let input = match result {
            Ok(()) => Input::DiskDone { io },
            Err(error) => {
                self.probe("disk-errors");
                Input::DiskFailed { io, error }
            }
        };
        self.step_server(node, input);
        if self.nodes[node as usize].incarnation == incarnation {
            self.maybe_crash_mid_snapshot(node);
            self.start_disk(node);
        }
    }

    /// Applies `op` to the virtual disk, or fails it with EIO.
    fn execute(&mut self, node: u32, op: &DiskOp) -> Result<(), DiskError> {
        let faults = self.phase == RunPhase::Faults;
        let probability = match op {
            DiskOp::Write { .. } => self.scenario.disk.write_error_probability,
            DiskOp::Fsync { .. } | DiskOp::FsyncDir => self.scenario.disk.fsync_error_probability,
            _ => 0.0,
        };
        if faults && probability > 0.0 && self.rng_disk.gen_bool(probability) {
            // A failed write may still have reached the page cache, in part or whole.
            if matches!(op, DiskOp::Write { .. }) && self.rng_disk.gen_bool(0.5) {
                let _ = self.nodes[node as usize].disk.apply(op);
            }
            return Err(DiskError::Io);
        }
        self.nodes[node as usize].disk.apply(op)
    }

    fn maybe_crash_mid_snapshot(&mut self, node: u32) {
        let host = &self.nodes[node as usize];
        let in_progress = host
            .server
            .as_ref()
            .is_some_and(|server| server.snapshot_in_progress());
        if !in_progress {
            return;
        }
        if let Some(restart_us) = host.crash_mid_snapshot_armed {
            self.nodes[node as usize].crash_mid_snapshot_armed = None;
            self.crash_mid_snapshot(node, Some(restart_us));
        } else if host.crash_during_snapshot && self.rng_nemesis.gen_bool(0.25) {
            self.nodes[node as usize].crash_during_snapshot = false;
            self.crash_mid_snapshot(node, None);
        }
    }
}
