//! Backup and restore, as operators do them: a live backup copies a node's
//! data directory file by file while the node keeps writing (so a copy can
//! catch a log mid-append or a snapshot mid-write), into a store the
//! simulator keeps; a restore stops a node, replaces its data directory with
//! a backup, and starts it again, to be brought up to date by the ensemble.

use super::lineage::lineage_of_copy;
use super::node::NodeState;
use super::{CrashCause, Event, RunPhase, World, DBID};
use crate::checker::zab::Observation;
use crate::digest_ledger::DigestLedger;
use crate::disk::VirtualDisk;
use crate::ghost::Ghost;
use crate::scenario::{FaultAction, FaultEvent};
use crate::violation::ViolationKind;
use rand::Rng;
use zksim_core::bugs::PlantedBug;
use zksim_core::ids::Zxid;
use zksim_core::persist::names::RESTORE_MARKER;
use zksim_core::persist::{recover, DataDirImage};

/// Fixed cost of copying one file, and the cost per KiB (about 100 MB/s).
const COPY_FILE_US: u64 = 200;
const COPY_KIB_US: u64 = 10;
/// Backups the store keeps (the oldest go first).
pub const BACKUPS_KEPT: usize = 16;

/// One backup, complete or being taken.
#[derive(Clone, Debug)]
pub struct Backup {
    /// Numbered from 0 in the order taken (a copy's steps find it by id).
    pub id: u64,
    pub node: u32,
    pub started_us: u64,
    /// Files still to copy, in the order listed at the start.
    pending: Vec<String>,
    pub files: DataDirImage,
    /// What recovery makes of the copy once complete: the last zxid, or why
    /// it cannot be used.
    pub verdict: Option<Result<Zxid, String>>,
    /// The node's record of its history when the copy started (with the
    /// records a sync may still undo): the copy must recover to a state the
    /// node held then or since.
    ghosts_at_start: Vec<Ghost>,
    /// The node's lineage when the copy started (empty unless tracked).
    pub lineage_at_start: super::lineage::Lineage,
}

impl Backup {
    fn is_usable_of(&self, node: u32) -> bool {
        self.node == node && matches!(self.verdict, Some(Ok(_)))
    }
}

impl World {
    pub(super) fn random_backup(&mut self) {
        if self.phase != RunPhase::Faults {
            return;
        }
        let node = self.rng_nemesis.gen_range(0..self.nodes.len() as u32);
        self.start_backup(node);
        let mean_ms = self.scenario.faults.backup_interval_ms;
        let delay = super::nemesis::exponential_us(&mut self.rng_nemesis, mean_ms);
        self.queue.schedule_in(delay, Event::RandomBackup);
    }

    /// Starts copying the node's directory, one file per step.
    pub(super) fn start_backup(&mut self, node: u32) {
        self.log_fault(FaultEvent::new(0, FaultAction::Backup, node));
        let host = &self.nodes[node as usize];
        let id = self.next_backup_id;
        self.next_backup_id += 1;
        let backup = Backup {
            id,
            node,
            started_us: self.queue.now_us(),
            pending: host.disk.names(),
            files: DataDirImage::new(),
            verdict: None,
            ghosts_at_start: std::iter::once(&host.ghost)
                .chain(&host.ghosts_before_sync)
                .cloned()
                .collect(),
            lineage_at_start: host.lineage.clone(),
        };
        if self.backups.len() >= BACKUPS_KEPT {
            self.backups.remove(0);
        }
        self.backups.push(backup);
        self.probe("backups-started");
        self.queue
            .schedule_in(COPY_FILE_US, Event::BackupStep { backup: id });
        assert!(self.backups.len() <= BACKUPS_KEPT);
    }

    /// Copies the next file as it is now (the page cache's view, as `cp`
    /// reads it); a file purged meanwhile is skipped.
    pub(super) fn backup_step(&mut self, id: u64) {
        // Gone if the store dropped it (full) or a disaster recovery emptied it.
        let Some(index) = self.backups.iter().position(|backup| backup.id == id) else {
            return;
        };
        let backup = &mut self.backups[index];
        let Some(name) = backup.pending.first().cloned() else {
            self.finish_backup(index);
            return;
        };
        backup.pending.remove(0);
        let disk = &self.nodes[backup.node as usize].disk;
        let mut copy_us = COPY_FILE_US;
        if let Some(bytes) = disk.read(&name) {
            copy_us += bytes.len() as u64 / 1024 * COPY_KIB_US;
            backup.files.insert(name, bytes.to_vec());
        }
        self.queue
            .schedule_in(copy_us, Event::BackupStep { backup: id });
    }

    /// A complete copy is usable (recovers to a state the node held) or
    /// detected as damaged; recovering to anything else is a violation.
    fn finish_backup(&mut self, index: usize) {
        let backup = &self.backups[index];
        let verdict = match recover(&backup.files, DBID) {
            Ok(recovered) => {
                let host = &self.nodes[backup.node as usize];
                // What the node logged then or since, including what a TRUNC
                // took back while the copy ran (the file keeps it until the
                // truncation reaches the disk).
                let digest = Some(recovered.tree.digest());
                let held = backup
                    .ghosts_at_start
                    .iter()
                    .chain(std::iter::once(&host.ghost))
                    .chain(&host.ghosts_before_sync)
                    .any(|ghost| ghost.digest_at(recovered.last_zxid) == digest);
                if !held && recovered.last_zxid != Zxid::ZERO {
                    let message = format!(
                        "a backup of n{} recovers to {} (digest {:016x}, from snapshot {:?} and {} logged txns), a state the node never held (its record then: {}..{}, now: {}..{}); files copied: {:?}",
                        backup.node,
                        recovered.last_zxid,
                        recovered.tree.digest(),
                        recovered.snapshot_used,
                        recovered.txns_replayed,
                        backup.ghosts_at_start[0].base_zxid(),
                        backup.ghosts_at_start[0].last_zxid(),
                        self.nodes[backup.node as usize].ghost.base_zxid(),
                        self.nodes[backup.node as usize].ghost.last_zxid(),
                        backup.files.keys().collect::<Vec<_>>()
                    );
                    self.violation(
                        ViolationKind::BackupInconsistent,
                        Some(backup.node),
                        message,
                    );
                }
                self.probe("backups-usable");
                Ok(recovered.last_zxid)
            }
            Err(error) => {
                let node = backup.node;
                let started_ms = backup.started_us / 1000;
                let message =
                    format!("backup of n{node} (started at {started_ms} ms) is damaged: {error}");
                self.probe("backups-damaged");
                self.trace
                    .record(self.queue.now_us(), Some(node), "backup-damaged", &message);
                Err(message)
            }
        };
        self.backups[index].verdict = Some(verdict);
    }

    /// The newest usable backup of `node`, if any.
    pub(super) fn newest_usable_backup(&self, node: u32) -> Option<usize> {
        (0..self.backups.len())
            .rev()
            .find(|&i| self.backups[i].is_usable_of(node))
    }

    /// The oldest usable backup of `node` still in the store, if any.
    pub(super) fn oldest_usable_backup(&self, node: u32) -> Option<usize> {
        (0..self.backups.len()).find(|&i| self.backups[i].is_usable_of(node))
    }

    pub(super) fn random_restore(&mut self) {
        if self.phase != RunPhase::Faults {
            return;
        }
        let node = self.rng_nemesis.gen_range(0..self.nodes.len() as u32);
        let [low, high] = self.scenario.faults.restart_delay_ms;
        let restart_us = self.rng_nemesis.gen_range(low * 1000..=high * 1000);
        let _restored = self.restore(node, restart_us);
        let mean_ms = self.scenario.faults.restore_interval_ms;
        let delay = super::nemesis::exponential_us(&mut self.rng_nemesis, mean_ms);
        self.queue.schedule_in(delay, Event::RandomRestore);
    }

    /// Stops the node, puts its newest usable backup in place of its data
    /// directory, and restarts it after `restart_us`.
    /// Whether it did.
    pub(super) fn restore(&mut self, node: u32, restart_us: u64) -> bool {
        let Some(index) = self.newest_usable_backup(node) else {
            return false; // nothing to restore from yet
        };
        if self.nodes.len() == 1 {
            return false; // a lone node has no ensemble to bring it up to date
        }
        if self.nodes[node as usize].state != NodeState::Up {
            return false;
        }
        let leading = self.current_leader() == Some(node);
        let mut event = FaultEvent::new(0, FaultAction::Restore, node);
        event.restart_after_ms = Some(crate::scenario::Millis::from_us(restart_us));
        self.log_fault(event);
        self.crash_unlogged(node, CrashCause::Operator, Some(restart_us));
        let mut files = self.backups[index].files.clone();
        files.insert(RESTORE_MARKER.to_string(), Vec::new());
        let record = restored_ghost(
            &recover(&files, DBID).expect("a usable backup recovers"),
            &mut self.ledger,
        );
        if self.bugs.has(PlantedBug::RestoreKeepsNewerLog) {
            // `cp backup/* datadir/`: what the backup lacks stays.
            let old = self.nodes[node as usize].disk.image();
            for (name, bytes) in old {
                files.entry(name).or_insert(bytes);
            }
        }
        let lineage = lineage_of_copy(&self.backups[index].lineage_at_start, &record);
        let replaced = self.replace_directory(node, files, record, lineage, restart_us);
        if replaced {
            self.probe("restores");
        }
        if replaced && leading {
            // Counted here, not by `restore-leader`: the logged schedule
            // replays it as a plain `restore` of the node that led.
            self.probe("leader-restores");
        }
        replaced
    }

    /// Stops `node` (if it runs), puts `files` in place of its data directory
    /// with `record`, the simulator's record of what the operator meant it to
    /// hold (recovery is checked against it), and has it start after
    /// `restart_us`. False if the files do not fit its disk (the old
    /// directory stays).
    pub(super) fn replace_directory(
        &mut self,
        node: u32,
        files: DataDirImage,
        record: Ghost,
        lineage: super::lineage::Lineage,
        restart_us: u64,
    ) -> bool {
        let capacity = self.scenario.disk.capacity_bytes;
        let Ok(disk) = VirtualDisk::from_image(&files, capacity) else {
            return false;
        };
        let ghost = record;
        // A copy of this directory still in progress reads nothing more of
        // it: an operator does not restore into a directory being backed up.
        let copying = self.backups.len();
        self.backups
            .retain(|backup| backup.node != node || backup.verdict.is_some());
        for _ in self.backups.len()..copying {
            self.probe("backups-abandoned");
        }
        let state = self.nodes[node as usize].state;
        if state == NodeState::Up {
            self.crash_unlogged(node, CrashCause::Operator, Some(restart_us));
        } else if state == NodeState::Failed {
            // It refused its old directory; the new one gets a start.
            self.nodes[node as usize].state = NodeState::Down;
            self.queue.schedule_in(restart_us, Event::Restart { node });
        } // Down: its pending restart starts it on the new directory.
        let host = &mut self.nodes[node as usize];
        assert_ne!(host.state, NodeState::Up, "the node is stopped");
        host.disk = disk;
        host.ghost = ghost;
        host.lineage = lineage;
        host.ghosts_before_sync.clear();
        host.rebase = super::node::Rebase::None; // the record is what the operator put there
        host.delivered_max = Zxid::ZERO;
        host.committed_reported = Zxid::ZERO;
        host.rotted_files.clear();
        host.operator_removed.clear();
        host.purged.clear();
        self.observe(Observation::Wiped { node });
        true
    }
}

/// The simulator's record of a restored directory: its snapshot as the base,
/// then every logged txn after it, as recovery will read them.
pub(super) fn restored_ghost(
    recovered: &zksim_core::persist::Recovered,
    ledger: &mut DigestLedger,
) -> Ghost {
    let base = recovered.snapshot_tree.last_processed_zxid();
    let mut ghost = Ghost::default();
    ghost.reset_to_snapshot(base, recovered.snapshot_tree.clone());
    for record in recovered.log_records.iter().filter(|r| r.zxid() > base) {
        let content = zksim_core::peer::content_hash(record);
        ghost
            .on_logged(record.clone(), content, ledger)
            .expect("recovery checked the log's chain");
    }
    assert_eq!(ghost.last_zxid(), recovered.last_zxid);
    assert_eq!(
        ghost.digest_at(recovered.last_zxid),
        Some(recovered.tree.digest())
    );
    ghost
}
