//! The end of a run: liveness (the node serves, every request was answered),
//! then a power loss and a last recovery check, then whole-run checks.

use super::node::NodeState;
use super::{CrashCause, World};
use crate::violation::ViolationKind;

impl World<'_> {
    pub(super) fn finish(&mut self) {
        for node in 0..self.nodes.len() as u32 {
            if !self.nodes[node as usize].is_serving() {
                let state = self.nodes[node as usize].state;
                self.violation(
                    ViolationKind::Unavailable,
                    Some(node),
                    format!("n{node} is not serving at the end of the healing phase ({state:?})"),
                );
            }
        }
        for waiting in self.clients_waiting() {
            self.violation(
                ViolationKind::Unavailable,
                None,
                format!("{waiting} after the healing phase"),
            );
        }
        for node in 0..self.nodes.len() as u32 {
            self.final_recovery_check(node);
        }
        for (kind, message) in self.sequential.check() {
            self.violation(kind, None, message);
        }
        self.stopped = true;
    }

    /// Power loss, then recovery: everything acknowledged must come back.
    fn final_recovery_check(&mut self, node: u32) {
        let host = &self.nodes[node as usize];
        if host.state == NodeState::Up {
            if let Some(server) = &host.server {
                if let Err(broken) = server.tree().check_invariants() {
                    self.violation(
                        ViolationKind::InvariantBroken,
                        Some(node),
                        format!("live tree: {broken}"),
                    );
                }
            }
            self.crash(node, CrashCause::FinalCheck);
        }
        if self.nodes[node as usize].state == NodeState::Down {
            self.restart(node);
        }
    }
}
