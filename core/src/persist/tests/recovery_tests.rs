//! `recover` over whole data directories built from generated histories.

use super::{
    arb_batches, arb_history, encode_log, encode_snapshot, set_synced, Action, History, DBID,
};
use crate::ids::{Epoch, Zxid};
use crate::persist::epoch_file::encode_epoch;
use crate::persist::log_format::LOG_HEADER_BYTES;
use crate::persist::names::{
    classify, log_name, snapshot_name, FileKind, ACCEPTED_EPOCH, CURRENT_EPOCH,
};
use crate::persist::snapshot_format::SnapshotEncoder;
use crate::persist::{recover, recover_from_snapshot, DataDirImage, Recovered};
use crate::tree::DataTree;
use proptest::prelude::*;

/// Writes `history.records[from..]` as log files, one batch per `batches`
/// entry, a new file after each batch whose `cuts` entry is true.
fn add_logs(
    image: &mut DataDirImage,
    history: &History,
    from: usize,
    batches: &[usize],
    cuts: &[bool],
) {
    let records = &history.records[from..];
    assert_eq!(batches.iter().sum::<usize>(), records.len());
    let mut start = 0;
    let mut pending: Vec<usize> = Vec::new();
    for (index, size) in batches.iter().enumerate() {
        pending.push(*size);
        if index + 1 == batches.len() || cuts.get(index).copied().unwrap_or(false) {
            let count: usize = pending.iter().sum();
            let slice = &records[start..start + count];
            let (bytes, _) = encode_log(DBID, slice, &pending);
            image.insert(log_name(slice[0].zxid()), bytes);
            start += count;
            pending.clear();
        }
    }
}

/// A fuzzy snapshot begun at `trees[at]`: chunk i is read from `trees[at + i]`
/// (or the last tree), as if txns kept applying during the walk.
fn fuzzy_snapshot(history: &History, at: usize, chunk_nodes: usize) -> Vec<u8> {
    let start = &history.trees[at];
    let mut walk = start.fuzzy_walk();
    let (mut encoder, mut bytes) = SnapshotEncoder::begin(DBID, walk.zxid(), walk.sessions());
    let mut round = 0;
    loop {
        let tree = &history.trees[(at + round).min(history.trees.len() - 1)];
        let mut nodes = Vec::new();
        let finished = walk.next_chunk(tree, chunk_nodes, &mut nodes);
        bytes.extend(encoder.chunk(&nodes));
        round += 1;
        assert!(round < 10_000, "the walk ends");
        if finished {
            break;
        }
    }
    let last = &history.trees[(at + round).min(history.trees.len() - 1)];
    bytes.extend(encoder.finish(last.last_processed_zxid()));
    bytes
}

fn assert_state(recovered: &Recovered, expected: &DataTree) {
    assert_eq!(recovered.tree.digest(), expected.digest());
    assert!(
        recovered.tree == *expected,
        "{:?}",
        recovered.tree.first_difference(expected)
    );
    assert_eq!(recovered.last_zxid, expected.last_processed_zxid());
    assert_eq!(
        recovered.tree.last_processed_zxid(),
        expected.last_processed_zxid()
    );
}

/// A history with batches (and file cuts) for its records from `from` on.
fn arb_image_parts() -> impl Strategy<Value = (History, Vec<usize>, Vec<bool>)> {
    arb_history(1, 40).prop_flat_map(|history| {
        let count = history.records.len();
        (
            Just(history),
            arb_batches(count),
            proptest::collection::vec(proptest::bool::weighted(0.25), count),
        )
    })
}

/// Re-batches the records from `from` on, keeping the chosen batch sizes where they fit.
fn batches_from(batches: &[usize], count: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut left = count;
    for size in batches.iter().chain(std::iter::repeat(&1)) {
        if left == 0 {
            break;
        }
        let size = (*size).min(left);
        out.push(size);
        left -= size;
    }
    out
}

fn with_synced(mut history: History, batches: &[usize], from: usize) -> History {
    let before = match from {
        0 => Zxid::ZERO,
        _ => history.records[from - 1].zxid(),
    };
    set_synced(&mut history.records[from..], batches, before);
    history
}

#[test]
fn an_empty_directory_is_an_empty_tree() {
    let recovered = recover(&DataDirImage::new(), DBID).expect("nothing to recover");
    assert_state(&recovered, &DataTree::new());
    assert_eq!(recovered.last_zxid, Zxid::ZERO);
    assert_eq!(recovered.snapshot_used, None);
    assert_eq!(recovered.txns_replayed, 0);
    assert_eq!(
        (recovered.accepted_epoch, recovered.current_epoch),
        (Epoch(0), Epoch(0))
    );
    assert!(recovered.torn_tail.is_none() && recovered.log_files.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// (b) A log from the beginning replays to the live tree.
    #[test]
    fn a_log_from_the_beginning_replays_to_the_live_tree((history, batches, cuts) in arb_image_parts()) {
        let history = with_synced(history, &batches, 0);
        let mut image = DataDirImage::new();
        add_logs(&mut image, &history, 0, &batches, &cuts);
        let recovered = recover(&image, DBID).expect("an intact log recovers");
        assert_state(&recovered, history.last_tree());
        prop_assert_eq!(recovered.txns_replayed, history.records.len() as u64);
        prop_assert_eq!(recovered.snapshot_used, None);
        prop_assert!(recovered.torn_tail.is_none());
        prop_assert_eq!(recovered.log_files.len(), image.len());
    }

    /// (c) A (fuzzy) snapshot plus the log after it, the log starting anywhere at or before it.
    #[test]
    fn a_snapshot_and_the_later_log_recover_the_live_tree(
        (history, batches, cuts) in arb_image_parts(),
        at in any::<prop::sample::Index>(),
        from in any::<prop::sample::Index>(),
        chunk_nodes in 1usize..4,
    ) {
        let count = history.records.len();
        let at = 1 + at.index(count);
        let from = from.index(at + 1);
        let batches = batches_from(&batches, count - from);
        let history = with_synced(history, &batches, from);
        let mut image = DataDirImage::new();
        if from < count {
            add_logs(&mut image, &history, from, &batches, &cuts);
        }
        let snapshot_zxid = history.records[at - 1].zxid();
        image.insert(snapshot_name(snapshot_zxid), fuzzy_snapshot(&history, at, chunk_nodes));
        let recovered = recover(&image, DBID).expect("snapshot and log recover");
        assert_state(&recovered, history.last_tree());
        prop_assert_eq!(recovered.snapshot_used, Some(snapshot_zxid));
        prop_assert_eq!(recovered.txns_replayed, (count - at) as u64);
        prop_assert!(recovered.snapshots_rejected.is_empty());
    }

    /// (d) The newest snapshot is damaged: the older one and more of the log are used.
    #[test]
    fn a_damaged_newest_snapshot_falls_back_to_an_older_one(
        (history, batches, cuts) in arb_image_parts().prop_filter("two snapshots", |(h, _, _)| h.records.len() >= 2),
        older in any::<prop::sample::Index>(),
        gap in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
    ) {
        let count = history.records.len();
        let older = 1 + older.index(count - 1);
        let newer = older + 1 + gap.index(count - older);
        let batches = batches_from(&batches, count - older);
        let history = with_synced(history, &batches, older);
        let mut image = DataDirImage::new();
        if older < count {
            add_logs(&mut image, &history, older, &batches, &cuts);
        }
        let older_zxid = history.records[older - 1].zxid();
        let newer_name = snapshot_name(history.records[newer - 1].zxid());
        image.insert(snapshot_name(older_zxid), encode_snapshot(&history.trees[older], DBID, 2));
        let mut damaged = encode_snapshot(&history.trees[newer], DBID, 2);
        let at = flip.index(damaged.len());
        damaged[at] ^= 0x20;
        image.insert(newer_name.clone(), damaged);
        let recovered = recover(&image, DBID).expect("an older snapshot is usable");
        assert_state(&recovered, history.last_tree());
        prop_assert_eq!(recovered.snapshot_used, Some(older_zxid));
        prop_assert_eq!(recovered.snapshots_rejected.len(), 1);
        prop_assert_eq!(&recovered.snapshots_rejected[0].0, &newer_name);
        prop_assert!(recovered.other_files.contains(&newer_name));
        prop_assert!(!recovered.snapshot_files.values().any(|name| *name == newer_name));
    }

    /// Recovering from one snapshot with the log a full recovery read (the purge
    /// checker's shortcut) agrees with a recovery of the directory without the
    /// newer snapshots, whenever it reaches the full recovery's last zxid.
    #[test]
    fn recovery_from_one_snapshot_agrees_with_a_recovery_without_the_newer_ones(
        (history, batches, cuts) in arb_image_parts(),
        points in proptest::collection::vec(any::<prop::sample::Index>(), 1..4),
        log_from in any::<prop::sample::Index>(),
        flip in proptest::option::of((any::<prop::sample::Index>(), any::<prop::sample::Index>())),
    ) {
        let count = history.records.len();
        let mut ats: Vec<usize> = points.iter().map(|at| 1 + at.index(count)).collect();
        ats.sort_unstable();
        ats.dedup();
        let from = log_from.index(ats[0] + 1);
        let batches = batches_from(&batches, count - from);
        let history = with_synced(history, &batches, from);
        let mut image = DataDirImage::new();
        if from < count {
            add_logs(&mut image, &history, from, &batches, &cuts);
        }
        for at in &ats {
            let name = snapshot_name(history.records[at - 1].zxid());
            image.insert(name, fuzzy_snapshot(&history, *at, 2));
        }
        if let Some((file, offset)) = flip {
            let names: Vec<String> = image.keys().cloned().collect();
            let bytes = image.get_mut(&names[file.index(names.len())]).expect("listed");
            let offset = offset.index(bytes.len());
            bytes[offset] ^= 0x10;
        }
        let Ok(full) = recover(&image, DBID) else {
            return Ok(());
        };
        for at in &ats {
            let zxid = history.records[at - 1].zxid();
            let name = snapshot_name(zxid);
            let mut fallback = image.clone();
            fallback.retain(|file, _| !matches!(classify(file), FileKind::Snapshot(z) if z > zxid));
            let fast = recover_from_snapshot(&image[&name], zxid, DBID, &full.log_records);
            let Ok((tree, last_zxid)) = fast else {
                continue;
            };
            if last_zxid != full.last_zxid {
                continue;
            }
            let slow = recover(&fallback, DBID).expect("the shortcut's state recovers");
            prop_assert_eq!(slow.snapshot_used, Some(zxid));
            prop_assert_eq!(slow.last_zxid, last_zxid);
            prop_assert!(slow.tree == tree, "{:?}", slow.tree.first_difference(&tree));
        }
    }

    /// (g) A torn tail: the prefix state, and the tail reported for truncation.
    #[test]
    fn a_torn_tail_recovers_the_prefix(
        (history, batches, _cuts) in arb_image_parts(),
        garbage in proptest::collection::vec(any::<u8>(), 1..600),
        zero_last_batch in any::<bool>(),
    ) {
        let history = with_synced(history, &batches, 0);
        let mut image = DataDirImage::new();
        add_logs(&mut image, &history, 0, &batches, &[]);
        let name = log_name(history.records[0].zxid());
        let file = image.get_mut(&name).expect("one log file");
        let kept = if zero_last_batch {
            // Lose the whole last batch (its sectors read back as zeros).
            let last = *batches.last().expect("a batch");
            let kept = history.records.len() - last;
            let prefix_len = match kept {
                0 => LOG_HEADER_BYTES,
                _ => encode_log(DBID, &history.records[..kept], &batches[..batches.len() - 1]).0.len(),
            };
            file[prefix_len..].fill(0);
            kept
        } else {
            history.records.len()
        };
        let old_len = file.len();
        file.extend_from_slice(&garbage);
        let recovered = recover(&image, DBID).expect("a torn tail is not an error");
        assert_state(&recovered, &history.trees[kept]);
        let torn = recovered.torn_tail.as_ref().expect("torn tail reported");
        prop_assert_eq!(&torn.file, &name);
        prop_assert!(torn.valid_bytes <= old_len as u64);
        prop_assert!(torn.valid_bytes.is_multiple_of(512));
    }

    /// (i) Arbitrary mutations of a valid image never panic recovery.
    #[test]
    fn mutated_images_never_panic(
        (history, batches, cuts) in arb_image_parts(),
        at in any::<prop::sample::Index>(),
        mutations in proptest::collection::vec(
            (any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<u8>(), 0u8..4),
            1..6,
        ),
    ) {
        let count = history.records.len();
        let at = 1 + at.index(count);
        let history = with_synced(history, &batches, 0);
        let mut image = DataDirImage::new();
        add_logs(&mut image, &history, 0, &batches, &cuts);
        image.insert(snapshot_name(history.records[at - 1].zxid()), encode_snapshot(&history.trees[at], DBID, 3));
        image.insert(ACCEPTED_EPOCH.to_string(), encode_epoch(Epoch(2)));
        image.insert(CURRENT_EPOCH.to_string(), encode_epoch(Epoch(2)));
        let names: Vec<String> = image.keys().cloned().collect();
        for (file, offset, value, kind) in mutations {
            let bytes = image.get_mut(&names[file.index(names.len())]).expect("listed");
            if bytes.is_empty() {
                bytes.push(value);
                continue;
            }
            let offset = offset.index(bytes.len());
            match kind {
                0 => bytes[offset] ^= 1 << (value % 8),
                1 => bytes[offset] = value,
                2 => bytes.truncate(offset),
                _ => bytes[offset..].fill(0),
            }
        }
        if let Ok(recovered) = recover(&image, DBID) {
            prop_assert!(recovered.tree.check_invariants().is_ok());
            prop_assert_eq!(recovered.tree.digest(), recovered.tree.recompute_digest());
        }
    }
}

/// A fixed history of `count` session creations, all in one batch each.
fn fixed(count: usize) -> History {
    let history = History::build(&vec![Action::CreateSession; count], None);
    let batches = vec![1; count];
    with_synced(history, &batches, 0)
}

fn log_image(history: &History, from: usize) -> DataDirImage {
    let mut image = DataDirImage::new();
    let batches = vec![1; history.records.len() - from];
    add_logs(&mut image, history, from, &batches, &[]);
    image
}

#[test]
fn every_snapshot_damaged_and_the_log_purged_is_an_error() {
    let history = fixed(6);
    let mut image = log_image(&history, 3);
    let mut snapshot = encode_snapshot(&history.trees[3], DBID, 2);
    snapshot.truncate(snapshot.len() - 3);
    let snapshot_file = snapshot_name(history.records[2].zxid());
    image.insert(snapshot_file, snapshot);
    let error = recover(&image, DBID).expect_err("nothing to start from");
    assert!(error.reason.contains("no usable snapshot"), "{error}");
    assert!(
        error.reason.contains("no log from the beginning"),
        "{error}"
    );
}

/// Found by the simulator: a replica whose state lived in one snapshot (after a
/// SNAP sync) had it rot; recovery returned an empty database instead of an error.
#[test]
fn the_only_snapshot_damaged_with_no_log_is_an_error_not_an_empty_database() {
    let history = fixed(6);
    let mut snapshot = encode_snapshot(&history.trees[3], DBID, 2);
    let middle = snapshot.len() / 2;
    snapshot[middle] ^= 0x01;
    let mut image = DataDirImage::new();
    image.insert(snapshot_name(history.records[2].zxid()), snapshot);
    let error = recover(&image, DBID).expect_err("the state is gone: damage, not a fresh start");
    assert!(error.reason.contains("no usable snapshot"), "{error}");
    assert!(
        error
            .file
            .as_deref()
            .is_some_and(|file| file.starts_with("snapshot.")),
        "{error}"
    );
}

#[test]
fn a_snapshot_the_log_does_not_continue_is_rejected() {
    let history = fixed(6);
    // The log starts after record 4; the snapshot is of record 2: a hole between them.
    let mut image = log_image(&history, 4);
    image.insert(
        snapshot_name(history.records[1].zxid()),
        encode_snapshot(&history.trees[2], DBID, 2),
    );
    let error = recover(&image, DBID).expect_err("no snapshot fits the log");
    assert!(error.reason.contains("no usable snapshot"), "{error}");
}

#[test]
fn a_snapshot_named_for_another_zxid_is_rejected() {
    let history = fixed(4);
    let mut image = log_image(&history, 0);
    let misnamed = snapshot_name(history.records[2].zxid());
    image.insert(
        misnamed.clone(),
        encode_snapshot(&history.trees[2], DBID, 2),
    );
    let recovered = recover(&image, DBID).expect("the log alone suffices");
    assert_state(&recovered, history.last_tree());
    assert_eq!(recovered.snapshots_rejected.len(), 1);
    assert_eq!(recovered.snapshots_rejected[0].0, misnamed);
    assert!(recovered.snapshots_rejected[0].1.contains("named for"));
}

#[test]
fn a_snapshot_of_another_database_is_rejected() {
    let history = fixed(4);
    let mut image = log_image(&history, 0);
    let name = snapshot_name(history.records[1].zxid());
    image.insert(
        name.clone(),
        encode_snapshot(&history.trees[2], DBID + 1, 2),
    );
    let recovered = recover(&image, DBID).expect("the log alone suffices");
    assert_state(&recovered, history.last_tree());
    assert!(recovered.snapshots_rejected[0].1.contains("database id"));
}

fn epochs(image: &mut DataDirImage, accepted: &[u8], current: &[u8]) {
    image.insert(ACCEPTED_EPOCH.to_string(), accepted.to_vec());
    image.insert(CURRENT_EPOCH.to_string(), current.to_vec());
}

#[test]
fn epoch_files_are_read_and_checked() {
    let history = fixed(3);
    let mut image = log_image(&history, 0);
    epochs(&mut image, b"3\n", b"2\n");
    let recovered = recover(&image, DBID).expect("consistent epochs");
    assert_eq!(
        (recovered.accepted_epoch, recovered.current_epoch),
        (Epoch(3), Epoch(2))
    );

    epochs(&mut image, b"1\n", b"2\n");
    let error = recover(&image, DBID).expect_err("accepted < current");
    assert_eq!(error.file.as_deref(), Some(ACCEPTED_EPOCH));
    assert!(error.reason.contains("acceptedEpoch"), "{error}");

    // An interrupted sync: the log's epoch was accepted, currentEpoch not yet written.
    epochs(&mut image, b"1\n", b"0\n");
    let recovered = recover(&image, DBID).expect("the log's epoch was accepted");
    assert_eq!(recovered.current_epoch, Epoch(1));

    // The log is of epoch 1.
    epochs(&mut image, b"0\n", b"0\n");
    let error = recover(&image, DBID).expect_err("current older than the log");
    assert_eq!(error.file.as_deref(), Some(CURRENT_EPOCH));
    assert!(error.reason.contains("currentEpoch is 0"), "{error}");

    for (accepted, current, bad) in [
        (&b"x1\n"[..], &b"1\n"[..], ACCEPTED_EPOCH),
        (&b"1\n"[..], &b"\xff\n"[..], CURRENT_EPOCH),
        (&b"1\n"[..], &b""[..], CURRENT_EPOCH),
    ] {
        epochs(&mut image, accepted, current);
        let error = recover(&image, DBID).expect_err("garbage epoch file");
        assert_eq!(error.file.as_deref(), Some(bad), "{error}");
    }
}

#[test]
fn missing_epoch_files_default_to_the_logs_epoch() {
    let history = History::build(&vec![Action::CreateSession; 4], Some(2));
    let history = with_synced(history, &[4], 0);
    let image = log_image_batched(&history, &[4]);
    let recovered = recover(&image, DBID).expect("recovers");
    assert_eq!(recovered.last_zxid.epoch(), Epoch(2));
    assert_eq!(
        (recovered.accepted_epoch, recovered.current_epoch),
        (Epoch(2), Epoch(2))
    );
    assert_state(&recovered, history.last_tree());
}

fn log_image_batched(history: &History, batches: &[usize]) -> DataDirImage {
    let mut image = DataDirImage::new();
    add_logs(&mut image, history, 0, batches, &[]);
    image
}

#[test]
fn a_log_of_another_database_is_an_error() {
    let history = fixed(3);
    let mut image = DataDirImage::new();
    let (bytes, _) = encode_log(DBID + 7, &history.records, &[3]);
    let name = log_name(history.records[0].zxid());
    image.insert(name.clone(), bytes);
    let error = recover(&image, DBID).expect_err("foreign log");
    assert_eq!(error.file.as_deref(), Some(name.as_str()));
    assert!(error.reason.contains("database id"), "{error}");
}

#[test]
fn temporary_and_unknown_files_are_listed_not_read() {
    let history = fixed(2);
    let mut image = log_image(&history, 0);
    image.insert("currentEpoch.tmp".to_string(), b"garbage".to_vec());
    image.insert("notes".to_string(), vec![1, 2, 3]);
    let recovered = recover(&image, DBID).expect("ignored");
    assert_state(&recovered, history.last_tree());
    assert!(recovered
        .other_files
        .contains(&"currentEpoch.tmp".to_string()));
    assert!(recovered.other_files.contains(&"notes".to_string()));
}

/// Bit rot of the last fsynced record looks exactly like a torn write; the
/// durability hint tells them apart (found by the simulator: a replica quietly
/// forgot a txn it had delivered).
#[test]
fn a_log_ending_below_the_durability_hint_is_damage() {
    use crate::persist::synced_hint::{encode_hint, SYNCED_HINT};
    let history = fixed(6);
    let mut image = log_image(&history, 0);
    let last = history.records.last().expect("records").zxid();
    let log = image
        .keys()
        .find(|name| name.starts_with("log."))
        .expect("a log")
        .clone();
    // Damage the last record (one record per batch: it starts the last sector).
    let bytes = image.get_mut(&log).expect("exists");
    let last_sector = bytes.len() - 512;
    bytes[last_sector + 12] ^= 0x40;
    let torn = recover(&image, DBID).expect("without a hint it reads as a torn tail");
    assert!(torn.last_zxid < last && torn.torn_tail.is_some());

    image.insert(SYNCED_HINT.to_string(), encode_hint(last));
    let error = recover(&image, DBID).expect_err("the hint proves the record was durable");
    assert!(error.reason.contains(SYNCED_HINT), "{error}");
    assert_eq!(error.file.as_deref(), Some(log.as_str()), "{error}");
}

#[test]
fn a_hint_at_or_below_the_log_end_and_a_damaged_hint_prove_nothing() {
    use crate::persist::synced_hint::{encode_hint, SYNCED_HINT};
    let history = fixed(6);
    let mut image = log_image(&history, 0);
    let last = history.records.last().expect("records").zxid();
    image.insert(SYNCED_HINT.to_string(), encode_hint(last));
    assert_eq!(recover(&image, DBID).expect("consistent").last_zxid, last);
    let mut damaged = encode_hint(Zxid(last.0 + 5));
    damaged[3] ^= 1;
    image.insert(SYNCED_HINT.to_string(), damaged);
    assert_eq!(
        recover(&image, DBID)
            .expect("a torn hint is ignored")
            .last_zxid,
        last
    );
}
