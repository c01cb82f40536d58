//! The end-of-run linearizability check of the client history.

use super::World;
use crate::lincheck::{Budget, PartitionVerdict};
use crate::violation::ViolationKind;
use crate::zkmodel;

impl World {
    /// Checks the history under ZooKeeper's guarantees, partition by partition.
    pub(super) fn check_linearizability(&mut self) {
        let checks = &self.scenario.checks;
        if !checks.linearizability || self.history.ops.is_empty() {
            return;
        }
        if self.era > 0 {
            // Checked when the disaster struck; the model cannot start from
            // the backup's tree, so the new era's history goes unchecked.
            self.probe("eras-not-checked-for-linearizability");
            return;
        }
        let budget = Budget {
            max_steps: checks.linearizability_max_steps,
            max_cache_bytes: checks.linearizability_max_memory_mb << 20,
        };
        let report = zkmodel::check_history(&self.history, &budget);
        for partition in &report.partitions {
            self.probe("linearizability-partitions");
            *self.probes.entry("linearizability-ops").or_insert(0) += partition.ops as u64;
            *self.probes.entry("linearizability-steps").or_insert(0) += partition.steps;
        }
        let failed = report
            .partitions
            .iter()
            .any(|partition| !matches!(partition.verdict, PartitionVerdict::Linearizable));
        if !failed {
            return;
        }
        // One violation per failing partition, with the explanation in words.
        let text = zkmodel::explain(&self.history, &report);
        let mut current: Option<(ViolationKind, String)> = None;
        let mut found = Vec::new();
        for line in text.lines() {
            let kind = if line.starts_with("NOT LINEARIZABLE") {
                Some(ViolationKind::NotLinearizable)
            } else if line.starts_with("UNDECIDED") {
                Some(ViolationKind::LinearizabilityUnknown)
            } else {
                None
            };
            match (kind, current.as_mut()) {
                (Some(kind), _) => {
                    found.extend(current.take());
                    current = Some((kind, line.to_string()));
                }
                (None, Some((_, message))) if line.starts_with("  ") => {
                    message.push('\n');
                    message.push_str(line);
                }
                (None, _) => found.extend(current.take()),
            }
        }
        found.extend(current);
        for (kind, message) in found {
            self.violation(kind, None, message);
        }
    }
}
