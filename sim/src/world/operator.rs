//! What an operator does to a running ensemble, as the nemesis does faults:
//! purging old snapshots and logs with a retention count (ZooKeeper's
//! `PurgeTxnLog`, `zkCleanup.sh -n N`), at any moment, while the replica
//! writes. The purge removes files as `rm` would: a metadata change that only
//! becomes durable when the directory is next synced.

use super::{Event, RunPhase, World, DBID};
use crate::checker::purge::check_fallbacks;
use crate::scenario::{FaultAction, FaultEvent};
use rand::Rng;
use zksim_core::io::DiskOp;
use zksim_core::persist::recover;
use zksim_core::server::purge_plan;

impl World {
    pub(super) fn random_purge(&mut self) {
        if self.phase != RunPhase::Faults {
            return;
        }
        let node = self.rng_nemesis.gen_range(0..self.nodes.len() as u32);
        let retain = self.scenario.faults.purge_retain;
        self.operator_purge(node, retain);
        let mean_ms = self.scenario.faults.purge_interval_ms;
        let delay = super::nemesis::exponential_us(&mut self.rng_nemesis, mean_ms);
        self.queue.schedule_in(delay, Event::RandomPurge);
    }

    /// Deletes what the purge rule allows from the node's data directory, then
    /// checks that recovery from what is left still reaches the same state.
    pub(super) fn operator_purge(&mut self, node: u32, retain: u32) {
        assert!(retain >= 1, "validated: a purge keeps a snapshot");
        let mut event = FaultEvent::new(0, FaultAction::Purge, node);
        event.retain = Some(retain);
        self.log_fault(event);
        let image = self.nodes[node as usize].disk.image();
        let plan = purge_plan(&image, retain as usize, self.bugs);
        self.probe("operator-purges");
        for file in &plan {
            let host = &mut self.nodes[node as usize];
            host.remember_purged(file);
            let removed = host.disk.apply(&DiskOp::Remove { file: file.clone() });
            assert!(removed.is_ok(), "the plan names files that exist: {file}");
            host.operator_removed.insert(file.clone());
            self.probe("files-purged-by-operator");
        }
        self.trace
            .record(self.queue.now_us(), Some(node), "operator-purge", &plan);
        self.check_after_purge(node, retain);
    }

    /// The directory as it now is must recover to the state it held before,
    /// and so must each retained snapshot with the logs after it.
    fn check_after_purge(&mut self, node: u32, retain: u32) {
        let image = self.nodes[node as usize].disk.image();
        let Ok(full) = recover(&image, DBID) else {
            return; // mid-write files; the restart's checks judge the durable state
        };
        let purged = &self.nodes[node as usize].purged;
        let findings = check_fallbacks(image, DBID, &full, retain as usize, purged);
        for (kind, message) in findings {
            self.violation(
                kind,
                Some(node),
                format!("after an operator purge: {message}"),
            );
        }
    }
}
