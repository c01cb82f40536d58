//! Disaster recovery: every node is stopped and a fresh ensemble is built
//! from one node's backup, each node getting a copy. What was acknowledged
//! after the backup point is lost by design; the restored ensemble must hold
//! exactly the acknowledged history up to that point, with nothing invented.
//!
//! The run then continues as a new era: the ZAB record starts from the
//! backup's history, clients open new sessions, and the end-of-run checks
//! judge the new era. The client history of the era before is checked for
//! linearizability at the moment of the disaster; the new era's is not (the
//! model starts from an empty tree, the era from the backup's).

use super::backup::restored_ghost;
use super::lineage::lineage_of_copy;
use super::{CrashCause, World, DBID};
use crate::checker::sequential::SequentialCheck;
use crate::checker::watches::{ChangeIndex, ClientWatches};
use crate::checker::zab::{TxnId, ZabChecker};
use crate::ghost::Ghost;
use crate::history::HistoryRequest;
use crate::scenario::{FaultAction, FaultEvent, Millis};
use crate::violation::ViolationKind;
use crate::workload::ClientMemory;
use zksim_core::ids::Zxid;
use zksim_core::persist::recover;

impl World {
    /// Rebuilds the whole ensemble from `node`'s newest usable backup; every
    /// node starts on a copy after `restart_us`. Nothing happens without one.
    pub(super) fn disaster_recovery(&mut self, node: u32, restart_us: u64) {
        let Some(index) = self.newest_usable_backup(node) else {
            return;
        };
        let mut event = FaultEvent::new(0, FaultAction::DisasterRecovery, node);
        event.restart_after_ms = Some(Millis::from_us(restart_us));
        self.log_fault(event);
        let files = self.backups[index].files.clone();
        let recovered = recover(&files, DBID).expect("a usable backup recovers");
        let ghost = restored_ghost(&recovered, &mut self.ledger);
        self.check_backup_point(node, &ghost);
        let message = format!(
            "the ensemble is rebuilt from n{node}'s backup taken at {} ms, holding up to {}",
            self.backups[index].started_us / 1000,
            ghost.last_zxid()
        );
        self.trace.record(
            self.queue.now_us(),
            Some(node),
            "disaster-recovery",
            &message,
        );
        for target in 0..self.nodes.len() as u32 {
            self.crash_unlogged(target, CrashCause::Operator, Some(restart_us));
        }
        // (Replacing directories abandons copies in progress: `index` moves.)
        let lineage = lineage_of_copy(&self.backups[index].lineage_at_start, &ghost);
        for target in 0..self.nodes.len() as u32 {
            // A fresh ensemble: each node's directory holds the copy alone.
            let lineage = lineage.clone();
            let replaced =
                self.replace_directory(target, files.clone(), ghost.clone(), lineage, restart_us);
            assert!(
                replaced,
                "a copy of a backup fits where the backup came from"
            );
        }
        self.end_era(&ghost);
        self.probe("disaster-recoveries");
    }

    /// The restored history against what clients were told: every write
    /// acknowledged up to the backup point is in it unchanged, each of its
    /// txns was proposed by a leader, and what was acknowledged after the
    /// point is counted as lost by design.
    fn check_backup_point(&mut self, node: u32, restored: &Ghost) {
        let point = restored.last_zxid();
        let base = restored.base_zxid();
        let mut missing = Vec::new();
        let mut lost = 0;
        for (&zxid, &content) in &self.acked_writes {
            if zxid > point {
                lost += 1;
            } else if zxid > base && content.is_some() && restored.content_of(zxid) != content {
                missing.push(zxid);
            }
        }
        *self
            .probes
            .entry("writes-lost-by-disaster-recovery")
            .or_insert(0) += lost;
        if !missing.is_empty() {
            let message = format!(
                "disaster recovery from n{node}'s backup (up to {point}) lacks {} write(s) \
                 acknowledged before the backup point: {}",
                missing.len(),
                list(&missing)
            );
            self.violation(ViolationKind::LostAckedWrite, Some(node), message);
        }
        let invented: Vec<Zxid> = restored
            .chain()
            .filter(|&(zxid, content)| !self.zab.is_known(TxnId { zxid, content }))
            .map(|(zxid, _)| zxid)
            .collect();
        if !invented.is_empty() {
            let message = format!(
                "disaster recovery from n{node}'s backup holds {} txn(s) no leader proposed: {}",
                invented.len(),
                list(&invented)
            );
            self.violation(ViolationKind::ZabIntegrity, Some(node), message);
        }
        assert!(base <= point, "a snapshot precedes the log after it");
    }

    /// Judges the era that ends (its client history, its sequential names,
    /// its replicas' agreement) and starts the record of the next one from
    /// the backup's history. Every client's session is gone.
    fn end_era(&mut self, restored: &Ghost) {
        for id in 0..self.clients.len() {
            let client = &self.clients[id];
            if client.session.is_some() && !client.closed {
                self.invoke(id, HistoryRequest::Expiry);
            }
            let client = &mut self.clients[id];
            assert!(client.connection.is_none(), "every node stopped");
            client.session = None;
            client.awaiting = None;
            client.last_zxid_seen = Zxid::ZERO;
            client.watches = ClientWatches::default();
            // Its pending wake (a reconnect or the end of its think time)
            // opens a new session.
            client.memory = ClientMemory::default();
        }
        self.check_linearizability();
        for (kind, message) in self.sequential.check() {
            self.violation(kind, None, message);
        }
        for (kind, node, message) in self.zab.finish() {
            self.violation(kind, node, message);
        }
        let history: Vec<TxnId> = restored
            .chain()
            .map(|(zxid, content)| TxnId { zxid, content })
            .collect();
        self.zab = ZabChecker::from_history(self.nodes.len() as u32, &history);
        self.sequential = SequentialCheck::default();
        self.changes = ChangeIndex::default();
        self.acked_max = Zxid::ZERO;
        self.acked_writes.clear();
        self.backups.clear();
        self.era += 1;
        assert!(
            self.nodes
                .iter()
                .all(|host| host.ghost.last_zxid() == restored.last_zxid()),
            "every node holds the backup"
        );
    }
}

/// Up to 8 zxids, then how many more.
fn list(zxids: &[Zxid]) -> String {
    let mut text: Vec<String> = zxids.iter().take(8).map(Zxid::to_string).collect();
    if zxids.len() > 8 {
        text.push(format!("and {} more", zxids.len() - 8));
    }
    text.join(", ")
}
