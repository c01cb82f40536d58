//! What a server does between recovery and serving: make the torn-tail repair
//! durable, then move to a new epoch (acceptedEpoch, then currentEpoch).

use crate::bugs::{Bugs, PlantedBug};
use crate::ids::Epoch;
use crate::io::DiskOp;
use crate::persist::epoch_file::atomic_write_ops;
use crate::persist::names::{tmp_name, ACCEPTED_EPOCH, CURRENT_EPOCH};
use crate::persist::Recovered;
use crate::server::disk_queue::{DiskQueue, IoTag};
use crate::server::messages::{Note, Output};

/// The epoch a lone server moves to: past everything it has seen.
pub fn next_epoch(recovered: &Recovered) -> Epoch {
    let seen = recovered
        .accepted_epoch
        .max(recovered.current_epoch)
        .max(recovered.last_zxid.epoch());
    Epoch(seen.0.checked_add(1).expect("epoch space exhausted"))
}

/// Issues the startup requests; the last one is tagged `StartupDone`.
pub fn issue_startup(
    recovered: &Recovered,
    epoch: Epoch,
    bugs: Bugs,
    disk: &mut DiskQueue,
    outputs: &mut Vec<Output>,
) {
    assert!(epoch > recovered.current_epoch && epoch > recovered.last_zxid.epoch());
    if let Some(torn) = &recovered.torn_tail {
        if !bugs.has(PlantedBug::SkipTornTailTruncation) {
            if torn.valid_bytes == 0 {
                disk.issue(
                    DiskOp::Remove {
                        file: torn.file.clone(),
                    },
                    IoTag::Plain,
                    outputs,
                );
            } else {
                let file = torn.file.clone();
                disk.issue(
                    DiskOp::Truncate {
                        file: file.clone(),
                        len: torn.valid_bytes,
                    },
                    IoTag::Plain,
                    outputs,
                );
                disk.issue(DiskOp::Fsync { file: file.clone() }, IoTag::Plain, outputs);
            }
            for dropped in &torn.dropped_files {
                disk.issue(
                    DiskOp::Remove {
                        file: dropped.clone(),
                    },
                    IoTag::Plain,
                    outputs,
                );
            }
            outputs.push(Output::Note(Note::TornTailTruncated {
                file: torn.file.clone(),
                valid_bytes: torn.valid_bytes,
            }));
        }
    }
    // acceptedEpoch before currentEpoch: acceptedEpoch >= currentEpoch at every instant.
    for name in [ACCEPTED_EPOCH, CURRENT_EPOCH] {
        let tmp_exists = recovered.other_files.contains(&tmp_name(name));
        let ops = atomic_write_ops(name, epoch, tmp_exists);
        assert!(
            matches!(ops.last(), Some(DiskOp::FsyncDir)),
            "atomic writes end with a directory fsync"
        );
        let count = ops.len();
        for (index, op) in ops.into_iter().enumerate() {
            let last = name == CURRENT_EPOCH && index + 1 == count;
            disk.issue(
                op,
                if last {
                    IoTag::StartupDone
                } else {
                    IoTag::Plain
                },
                outputs,
            );
        }
    }
}
