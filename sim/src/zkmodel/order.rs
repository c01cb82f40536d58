//! ZooKeeper's client guarantees, expressed as each op's time bounds and
//! `after` edges (see docs/ZK-HISTORY.md):
//!
//! - writes and closeSession are linearizable: `call..ret` as recorded
//!   (createSession is not an operation: every session not ended is live,
//!   but its call bounds the session's first reads and its expiry);
//! - session FIFO: an op comes after the session's previous *completed* op
//!   in the same partition (an op of unknown outcome orders nothing after it);
//! - plain reads are sequentially consistent: a read may be stale, but not
//!   older than the session's previous completed op, so its call is relaxed
//!   to that op's (relaxed) call; a sync's call is real, so a read after a
//!   sync is up to date as of the sync;
//! - an expiry may happen any time after the session's creation, and comes
//!   after every completed op that needed the session live.

use std::collections::BTreeMap;

use zksim_core::ids::SessionId;

use super::convert::Logical;
use super::engine::Operation;
use super::partition::Partitioning;
use super::types::{GroupId, ZkInput, ZkOutput, ZkRequest};

/// What one session has done so far, in program order.
#[derive(Default)]
struct Track {
    /// Per partition: the last completed op (an index into the operations).
    last_completed: BTreeMap<GroupId, usize>,
    /// Per partition: the last completed op that needed the session live.
    last_needing_live: BTreeMap<GroupId, usize>,
    /// The earliest moment the session's next read may reflect.
    read_floor_us: u64,
    created_us: Option<u64>,
}

pub struct Emitted {
    pub ops: Vec<Operation<ZkInput, ZkOutput>>,
    /// Per operation: the index of its logical op.
    pub logical_index: Vec<usize>,
}

pub fn emit(logical: &[Logical], parts: &Partitioning) -> Emitted {
    let mut emitted = Emitted {
        ops: Vec::new(),
        logical_index: Vec::new(),
    };
    let mut tracks: BTreeMap<SessionId, Track> = BTreeMap::new();
    let mut expiries = Vec::new();
    for (index, op) in logical.iter().enumerate() {
        if matches!(op.request, ZkRequest::Expiry) {
            expiries.push(index);
            continue;
        }
        let track = tracks.entry(op.session).or_default();
        let ret = op.ret_us;
        let groups: &[GroupId] = match parts.group_of[index] {
            Some(ref group) => std::slice::from_ref(group),
            None => parts
                .session_groups
                .get(&op.session)
                .map_or(&[], Vec::as_slice),
        };
        let call = if op.is_plain_read() {
            track.read_floor_us.min(op.call_us)
        } else {
            op.call_us
        };
        if op.is_create_session() {
            track.created_us = Some(op.call_us);
            track.read_floor_us = op.call_us;
            continue;
        }
        for &group in groups {
            let at = emitted.ops.len();
            emitted.ops.push(Operation {
                client: op.client as u64,
                call,
                ret,
                input: op.input(group),
                output: op.output.clone(),
                after: track
                    .last_completed
                    .get(&group)
                    .copied()
                    .into_iter()
                    .collect(),
                shown_call: op.call_us,
            });
            emitted.logical_index.push(index);
            if ret.is_some() {
                track.last_completed.insert(group, at);
                if op.needs_live_session() {
                    track.last_needing_live.insert(group, at);
                }
            }
        }
        if ret.is_some() {
            track.read_floor_us = call;
        }
    }
    for index in expiries {
        emit_expiry(&mut emitted, logical, index, parts, &tracks);
    }
    emitted
}

/// An expiry: any time after the session's creation (before the client
/// learned of it, if it did), after every op that needed the session live.
fn emit_expiry(
    emitted: &mut Emitted,
    logical: &[Logical],
    index: usize,
    parts: &Partitioning,
    tracks: &BTreeMap<SessionId, Track>,
) {
    let op = &logical[index];
    let track = tracks.get(&op.session);
    let ret = op.ret_us;
    let created = track.and_then(|t| t.created_us).unwrap_or(0);
    let call = ret.map_or(created, |ret| created.min(ret));
    let groups = parts
        .session_groups
        .get(&op.session)
        .map_or(&[][..], Vec::as_slice);
    for &group in groups {
        let after = track
            .and_then(|t| t.last_needing_live.get(&group))
            .copied()
            .into_iter()
            .collect();
        emitted.ops.push(Operation {
            client: op.client as u64,
            call,
            ret,
            input: op.input(group),
            output: op.output.clone(),
            after,
            shown_call: op.call_us,
        });
        emitted.logical_index.push(index);
    }
}
