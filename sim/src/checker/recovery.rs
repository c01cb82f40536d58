//! Recovery checks: every acknowledged write survives a crash; the recovered
//! state equals the replay of the durable log prefix; a snapshot plus replay of
//! the log after it equals the live tree.

use crate::ghost::Ghost;
use crate::violation::ViolationKind;
use zksim_core::ids::Zxid;
use zksim_core::persist::snapshot_format::decode_snapshot;
use zksim_core::persist::Recovered;
use zksim_core::tree::DataTree;

/// Problems found, as (kind, message).
pub type Findings = Vec<(ViolationKind, String)>;

/// Checks a recovery against the ghost; then the ghost follows the node back.
pub fn check_recovery(ghost: &mut Ghost, recovered: &Recovered) -> Findings {
    let mut findings = Findings::new();
    let zxid = recovered.last_zxid;
    if !ghost.contains(zxid) {
        findings.push((
            ViolationKind::RecoveryMismatch,
            format!(
                "recovered to {zxid}, which was never logged (last logged {})",
                ghost.last_zxid()
            ),
        ));
        return findings;
    }
    let lost = ghost.acked_after(zxid);
    if !lost.is_empty() {
        let shown: Vec<String> = lost.iter().take(8).map(ToString::to_string).collect();
        findings.push((
            ViolationKind::LostAckedWrite,
            format!(
                "recovered only to {zxid}; {} acknowledged txn(s) lost: {}{}",
                lost.len(),
                shown.join(", "),
                if lost.len() > 8 { ", ..." } else { "" }
            ),
        ));
    }
    let expected = ghost.digest_at(zxid).expect("contained");
    if recovered.tree.digest() != expected {
        let difference = ghost
            .tree_at(zxid)
            .first_difference(&recovered.tree)
            .unwrap_or_else(|| "digests differ but no node does".to_string());
        findings.push((
            ViolationKind::RecoveryMismatch,
            format!("state recovered at {zxid} differs from the replay of the log up to it: {difference}"),
        ));
    }
    if let Err(broken) = recovered.tree.check_invariants() {
        findings.push((
            ViolationKind::InvariantBroken,
            format!("recovered tree: {broken}"),
        ));
    }
    ghost.truncate_to(zxid);
    findings
}

/// Loads a just-written snapshot, replays the ghost's records after it up to
/// the live tree's zxid, and compares with the live tree.
pub fn check_snapshot(
    ghost: &Ghost,
    file: &str,
    bytes: Option<&[u8]>,
    live: &DataTree,
) -> Findings {
    let mismatch = |message: String| vec![(ViolationKind::SnapshotMismatch, message)];
    let Some(bytes) = bytes else {
        return mismatch(format!("{file} was reported written but does not exist"));
    };
    let contents = match decode_snapshot(bytes) {
        Ok(contents) => contents,
        Err(reason) => {
            return mismatch(format!(
                "{file} was reported durable but is unusable: {reason}"
            ))
        }
    };
    let snapshot_zxid: Zxid = contents.zxid;
    let mut tree = match DataTree::from_snapshot(contents.zxid, contents.sessions, contents.nodes) {
        Ok(tree) => tree,
        Err(reason) => return mismatch(format!("{file} does not load: {reason}")),
    };
    let live_zxid = live.last_processed_zxid();
    for record in ghost.records_between(snapshot_zxid, live_zxid) {
        let _ = tree.apply(&record.header, &record.txn);
    }
    tree.set_last_processed_zxid(live_zxid.max(snapshot_zxid));
    if tree.digest() != live.digest() || tree != *live {
        let difference = live
            .first_difference(&tree)
            .unwrap_or_else(|| "digest differs".to_string());
        return mismatch(format!(
            "{file} (at {snapshot_zxid}) plus replay up to {live_zxid} differs from the live tree: {difference}"
        ));
    }
    Vec::new()
}
