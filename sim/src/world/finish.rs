//! The end of a run: liveness (a leader, every live replica serving, every
//! request answered), convergence (identical trees), durability (every
//! acknowledged write in every replica), the ZAB checker's final checks, then a
//! power loss and a last recovery check.

use super::node::NodeState;
use super::recipes::CONFIG_PATH;
use super::{CrashCause, World};
use crate::checker::recipes::{check_config, check_mutual_exclusion};
use crate::violation::ViolationKind;

impl World {
    pub(super) fn finish(&mut self) {
        self.end_history();
        self.check_liveness();
        self.check_recipes();
        self.check_linearizability();
        self.account_loss();
        self.check_convergence();
        for (kind, node, message) in self.zab.finish() {
            self.violation(kind, node, message);
        }
        for node in 0..self.nodes.len() as u32 {
            self.check_live_tree(node);
        }
        self.crash_all_for_final_check();
        for (kind, message) in self.sequential.check() {
            self.violation(kind, None, message);
        }
        self.stopped = true;
    }

    fn check_liveness(&mut self) {
        // A replica rebuilding after detected damage holds no history yet.
        let intact = self
            .nodes
            .iter()
            .filter(|host| host.state != NodeState::Failed)
            .filter(|host| !host.server.as_ref().is_some_and(|peer| peer.is_repairing()))
            .count();
        if intact <= self.nodes.len() / 2 {
            // Damage on a quorum is beyond the fault model: no progress is owed.
            self.probe("quorum-lost-to-corruption");
            return;
        }
        if self.nodes.len() > 1 && self.current_leader().is_none() {
            self.violation(
                ViolationKind::Unavailable,
                None,
                "no established leader at the end of the healing phase".into(),
            );
        }
        for node in 0..self.nodes.len() as u32 {
            let host = &self.nodes[node as usize];
            if host.state != NodeState::Failed && !host.is_serving() {
                let state = host
                    .server
                    .as_ref()
                    .map(|peer| format!("{:?}", peer.state()));
                let message = format!(
                    "n{node} is not serving at the end of the healing phase ({:?}, {state:?})",
                    host.state
                );
                self.violation(ViolationKind::Unavailable, Some(node), message);
            }
        }
        for waiting in self.clients_waiting() {
            self.violation(
                ViolationKind::Unavailable,
                None,
                format!("{waiting} after the healing phase"),
            );
        }
    }

    /// The lock never had two holders (but for the documented caveat); every
    /// configuration reader ended on the value in the tree.
    fn check_recipes(&mut self) {
        let readers = self.end_recipes();
        for (kind, message) in check_mutual_exclusion(&self.lock_holds) {
            self.violation(kind, None, message);
        }
        let serving = (0..self.nodes.len()).find(|node| self.nodes[*node].is_serving());
        let (Some(node), false) = (serving, readers.is_empty()) else {
            return;
        };
        let tree = self.nodes[node].server.as_ref().expect("serving").tree();
        let last = tree.node(CONFIG_PATH).map(|znode| znode.data.clone());
        for message in check_config(&readers, last.as_deref()) {
            self.violation(ViolationKind::ConfigStale, Some(node as u32), message);
        }
    }

    /// Every serving replica holds the same tree, with every acknowledged write.
    fn check_convergence(&mut self) {
        let serving: Vec<u32> = (0..self.nodes.len() as u32)
            .filter(|node| self.nodes[*node as usize].is_serving())
            .collect();
        let acked = self.acked_max;
        let Some(&first) = serving.first() else {
            return;
        };
        for &node in &serving {
            let tree = self.nodes[node as usize]
                .server
                .as_ref()
                .expect("serving")
                .tree();
            let held = tree.last_processed_zxid();
            let reference = self.nodes[first as usize]
                .server
                .as_ref()
                .expect("serving")
                .tree();
            let diverged = node != first
                && (tree.digest() != reference.digest() || held != reference.last_processed_zxid());
            let divergence = diverged.then(|| {
                let difference = reference
                    .first_difference(tree)
                    .unwrap_or_else(|| "digests differ".into());
                format!(
                    "n{first} at {} and n{node} at {held} differ after healing: {difference}",
                    reference.last_processed_zxid()
                )
            });
            if held < acked {
                let message = format!(
                    "n{node} holds up to {held} after healing, but {acked} was acknowledged"
                );
                self.violation(ViolationKind::LostAckedWrite, Some(node), message);
            }
            if let Some(message) = divergence {
                self.violation(ViolationKind::Divergence, Some(node), message);
            }
        }
    }

    fn check_live_tree(&mut self, node: u32) {
        let host = &self.nodes[node as usize];
        if let Some(server) = host.server.as_ref().filter(|_| host.state == NodeState::Up) {
            let tree = server.tree();
            let broken = tree.check_invariants().err();
            let orphans = tree.orphan_ephemerals();
            if let Some(broken) = broken {
                let message = format!("live tree: {broken}");
                self.violation(ViolationKind::InvariantBroken, Some(node), message);
            }
            for (path, session) in orphans {
                let message = format!("{path} is owned by {session}, which is no longer a session");
                self.violation(ViolationKind::OrphanEphemeral, Some(node), message);
            }
        }
    }

    /// Power loss, then recovery of every node: everything acknowledged must come back.
    fn crash_all_for_final_check(&mut self) {
        for node in 0..self.nodes.len() as u32 {
            self.crash(node, CrashCause::FinalCheck);
        }
        for node in 0..self.nodes.len() as u32 {
            if self.nodes[node as usize].state == NodeState::Down {
                self.restart(node);
            }
        }
    }
}
