//! Purge never removes what recovery needs. Recovery uses the newest usable
//! snapshot, but falls back to an older one when the newest is damaged (bit
//! rot, a torn write): so every usable snapshot still on disk, with the logs
//! after it, must reach the state the full recovery reached. A purge that
//! deleted a log an older retained snapshot needs breaks that.

use super::recovery::Findings;
use crate::violation::ViolationKind;
use zksim_core::ids::Zxid;
use zksim_core::persist::names::{classify, FileKind};
use zksim_core::persist::snapshot_format::decode_snapshot;
use zksim_core::persist::{recover, recover_from_snapshot, DataDirImage, Recovered};

/// Checks each usable snapshot older than the one recovery used, among the
/// newest `retain` (older ones are due for purge: no promise holds for them).
/// `purged` holds the files purges removed, as they were: a fallback that
/// fails only counts against purge if putting them back would fix it (a SNAP
/// sync, for one, leaves older snapshots without their logs, no purge involved).
pub fn check_fallbacks(
    mut image: DataDirImage,
    dbid: u64,
    full: &Recovered,
    retain: usize,
    purged: &DataDirImage,
) -> Findings {
    let mut findings = Findings::new();
    let Some(used) = full.snapshot_used else {
        return findings;
    };
    assert!(full.snapshot_files.contains_key(&used));
    // Sealed snapshots, judged by their files: recovery passes over one whose
    // log is gone, so its own list would hide exactly what is checked here.
    let sealed: Vec<(Zxid, String)> = image
        .iter()
        .filter_map(|(name, bytes)| match classify(name) {
            FileKind::Snapshot(zxid) if decode_snapshot(bytes).is_ok() => {
                Some((zxid, name.clone()))
            }
            _ => None,
        })
        .collect();
    let retained = sealed.iter().rev().take(retain);
    // Newest first: each fallback is the directory without the snapshots
    // newer than its own, so the image sheds them as the loop goes (no copy).
    for (zxid, name) in retained.filter(|(zxid, _)| *zxid < used) {
        remove_newer_snapshots(&mut image, *zxid);
        let fallback = &image;
        if reaches_full_state(fallback, dbid, full, *zxid, name) {
            continue;
        }
        let Some(problem) = fallback_problem(fallback, dbid, full, *zxid, name) else {
            continue;
        };
        let mut restored = fallback.clone();
        let mut missing = Vec::new();
        for (file, bytes) in purged {
            if !restored.contains_key(file) && matches!(classify(file), FileKind::Log(_)) {
                restored.insert(file.clone(), bytes.clone());
                missing.push(file.as_str());
            }
        }
        if missing.is_empty() || fallback_problem(&restored, dbid, full, *zxid, name).is_some() {
            continue; // not purge's doing
        }
        findings.push((
            ViolationKind::NeededFilePurged,
            format!(
                "recovery falling back to {name} (were the newer snapshots damaged) {problem}; \
                 with the purged {} put back it would not",
                missing.join(", ")
            ),
        ));
        break;
    }
    findings
}

fn remove_newer_snapshots(image: &mut DataDirImage, zxid: Zxid) {
    image.retain(|file, _| !matches!(classify(file), FileKind::Snapshot(z) if z > zxid));
}

/// The common case, decided without a second scan of the log: `name` is the
/// only snapshot of its zxid (so recovery of `image`, which holds no newer
/// one, would pick it if usable), and it plus the log `full` read reaches
/// `full`'s state. The log files are the ones `full` scanned, so recovery of
/// `image` reads the same records, ends at the same zxid with the same torn
/// tail, and passes the same hint and epoch checks: [`fallback_problem`]
/// would find nothing. Anything else takes the full recovery below.
fn reaches_full_state(
    image: &DataDirImage,
    dbid: u64,
    full: &Recovered,
    zxid: Zxid,
    name: &str,
) -> bool {
    let same_zxid = image
        .keys()
        .filter(|file| matches!(classify(file), FileKind::Snapshot(z) if z == zxid))
        .count();
    let Some(bytes) = image.get(name).filter(|_| same_zxid == 1) else {
        return false;
    };
    match recover_from_snapshot(bytes, zxid, dbid, &full.log_records) {
        Ok((tree, last_zxid)) => last_zxid == full.last_zxid && tree.digest() == full.tree.digest(),
        Err(_) => false,
    }
}

/// Why recovering `image` from snapshot `zxid` does not reach `full`, if it does not.
fn fallback_problem(
    image: &DataDirImage,
    dbid: u64,
    full: &Recovered,
    zxid: Zxid,
    name: &str,
) -> Option<String> {
    match recover(image, dbid) {
        Ok(older) if older.snapshot_used != Some(zxid) => {
            let reason = older
                .snapshots_rejected
                .iter()
                .find(|(file, _)| file == name)
                .map_or("is passed over", |(_, reason)| reason.as_str());
            Some(format!("cannot use it: {reason}"))
        }
        Ok(older)
            if older.last_zxid == full.last_zxid && older.tree.digest() == full.tree.digest() =>
        {
            None
        }
        Ok(older) => Some(format!(
            "reaches only {} (digest {:016x}), not {} (digest {:016x})",
            older.last_zxid,
            older.tree.digest(),
            full.last_zxid,
            full.tree.digest()
        )),
        Err(error) => Some(format!("fails: {error}")),
    }
}
