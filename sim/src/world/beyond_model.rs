//! Operator actions beyond the fault model, which ZAB cannot survive without
//! loss: an old backup restored onto a quorum as if it were current, and a
//! voter's disk wiped. A scenario using them lists the loss in
//! `expect.allow`; the run then reports exactly which acknowledged writes
//! were lost instead of failing.

use super::backup::restored_ghost;
use super::lineage::{lineage_of_copy, Lineage};
use super::{World, DBID};
use crate::ghost::Ghost;
use crate::scenario::{FaultAction, FaultEvent, Millis};
use crate::violation::ViolationKind;
use zksim_core::ids::Zxid;
use zksim_core::persist::{recover, DataDirImage};

impl World {
    /// Puts `node`'s oldest usable backup, with no restore marker, on a
    /// quorum: `node` and the nodes after it (wrapping). They restart after
    /// `restart_us` believing the old history is theirs.
    pub(super) fn restore_onto_quorum(&mut self, node: u32, restart_us: u64) {
        let Some(index) = self.oldest_usable_backup(node) else {
            return;
        };
        let mut event = FaultEvent::new(0, FaultAction::RestoreOntoQuorum, node);
        event.restart_after_ms = Some(Millis::from_us(restart_us));
        self.log_fault(event);
        let count = self.nodes.len() as u32;
        let quorum = count / 2 + 1;
        let targets: Vec<u32> = (0..quorum).map(|i| (node + i) % count).collect();
        let point = match self.backups[index].verdict {
            Some(Ok(zxid)) => zxid,
            _ => unreachable!("a usable backup has its last zxid"),
        };
        let files = self.backups[index].files.clone();
        let recovered = recover(&files, DBID).expect("a usable backup recovers");
        let record = restored_ghost(&recovered, &mut self.ledger);
        let lineage = lineage_of_copy(&self.backups[index].lineage_at_start, &record);
        // (Replacing directories abandons copies in progress: `index` moves.)
        let started_ms = self.backups[index].started_us / 1000;
        for &target in &targets {
            let copy = (files.clone(), record.clone(), lineage.clone());
            let replaced = self.replace_directory(target, copy.0, copy.1, copy.2, restart_us);
            assert!(replaced, "a backup of a node fits on its peers' disks");
        }
        let action = format!(
            "n{node}'s backup taken at {started_ms} ms (up to {point}) restored onto {}",
            names(&targets)
        );
        self.beyond_model_action(action);
    }

    /// Erases `node`'s data directory; it restarts after `restart_us` as a
    /// voter holding nothing.
    pub(super) fn wipe(&mut self, node: u32, restart_us: u64) {
        let mut event = FaultEvent::new(0, FaultAction::Wipe, node);
        event.restart_after_ms = Some(Millis::from_us(restart_us));
        self.log_fault(event);
        let empty = (DataDirImage::new(), Ghost::default(), Lineage::new());
        let replaced = self.replace_directory(node, empty.0, empty.1, empty.2, restart_us);
        assert!(replaced, "an empty directory fits any disk");
        assert!(self.nodes[node as usize].disk.names().is_empty());
        self.beyond_model_action(format!("n{node}'s data directory wiped"));
    }

    fn beyond_model_action(&mut self, action: String) {
        self.trace
            .record(self.queue.now_us(), None, "beyond-model", &action);
        self.probe("beyond-model-actions");
        self.beyond_model.push(action);
    }

    /// After beyond-model actions: which acknowledged writes the ensemble no
    /// longer holds, judged on the lineage of the leader (or a serving
    /// replica): a write is lost if another txn or none stands under its
    /// zxid. A write acknowledged before its content was recorded cannot be
    /// judged and counts as undetermined.
    pub(super) fn account_loss(&mut self) {
        if self.beyond_model.is_empty() {
            return;
        }
        assert!(
            self.track_lineage,
            "beyond-model actions come from the schedule"
        );
        let serving = |node: &u32| self.nodes[*node as usize].is_serving();
        let reference = self
            .current_leader()
            .filter(serving)
            .or_else(|| (0..self.nodes.len() as u32).find(serving));
        let Some(reference) = reference else {
            return; // nothing serves: the liveness check says so
        };
        let lineage = &self.nodes[reference as usize].lineage;
        let (mut lost, mut undetermined) = (Vec::new(), 0u64);
        for (&zxid, &content) in &self.acked_writes {
            match content {
                None => undetermined += 1,
                Some(content) if lineage.get(&zxid) != Some(&content) => lost.push(zxid),
                Some(_) => {}
            }
        }
        let acked = self.acked_writes.len() as u64;
        *self.probes.entry("acked-writes-lost").or_insert(0) += lost.len() as u64;
        *self.probes.entry("acked-writes-undetermined").or_insert(0) += undetermined;
        assert!(lost.len() as u64 + undetermined <= acked);
        if lost.is_empty() {
            self.probe("beyond-model-runs-without-loss");
            return;
        }
        let message = format!(
            "after {}: {} of {acked} acknowledged writes lost ({}), as judged on n{reference} \
             ({undetermined} undetermined)",
            self.beyond_model.join("; "),
            lost.len(),
            zxid_list(&lost)
        );
        self.violation(ViolationKind::LostAckedWrite, None, message);
    }
}

fn names(nodes: &[u32]) -> String {
    let names: Vec<String> = nodes.iter().map(|node| format!("n{node}")).collect();
    names.join(", ")
}

/// Ranges of consecutive zxids, up to 8 of them.
fn zxid_list(zxids: &[Zxid]) -> String {
    let mut ranges: Vec<(Zxid, Zxid)> = Vec::new();
    for &zxid in zxids {
        match ranges.last_mut() {
            Some((_, last)) if last.0 + 1 == zxid.0 => *last = zxid,
            _ => ranges.push((zxid, zxid)),
        }
    }
    let mut text: Vec<String> = ranges
        .iter()
        .take(8)
        .map(|&(first, last)| {
            if first == last {
                first.to_string()
            } else {
                format!("{first}..{last}")
            }
        })
        .collect();
    if ranges.len() > 8 {
        text.push(format!("and {} more ranges", ranges.len() - 8));
    }
    text.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zxid_lists_show_ranges() {
        let zxids = [Zxid(1), Zxid(2), Zxid(3), Zxid(7), Zxid(9), Zxid(10)];
        let text = zxid_list(&zxids);
        assert_eq!(
            text,
            format!(
                "{}..{}, {}, {}..{}",
                Zxid(1),
                Zxid(3),
                Zxid(7),
                Zxid(9),
                Zxid(10)
            )
        );
        let many: Vec<Zxid> = (0..20).map(|i| Zxid(i * 3)).collect();
        assert!(zxid_list(&many).ends_with("and 12 more ranges"));
    }
}
