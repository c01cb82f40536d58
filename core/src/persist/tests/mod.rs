//! Tests of persistence at its boundaries: bytes in, state or a named error out.
//!
//! Every generated log comes from a real history: random client ops are
//! prepared and applied against a `DataTree`, as a leader would, and each txn
//! is wrapped in a `LogRecord` with a correct `prev_zxid` chain. Records are
//! grouped into fsync batches; each batch is padded with zeros to a sector
//! boundary, and the records of batch k carry `synced_zxid` = the last zxid of
//! batch k-1 (the writer only learns durability batch by batch).

mod log_tests;
mod recovery_tests;
mod scan_tests;
mod snapshot_tests;

use crate::ids::{Epoch, SessionId, Zxid};
use crate::persist::log_format::{align_up, encode_log_header, encode_record, LogRecord};
use crate::persist::log_scan::LogFileImage;
use crate::persist::names::log_name;
use crate::persist::snapshot_format::SnapshotEncoder;
use crate::request::{ClientOp, MultiOp};
use crate::tree::{CreateMode, DataTree};
use crate::txn::TxnHeader;
use proptest::prelude::*;

pub(super) const DBID: u64 = 0x5eed_0001;

/// Paths that often collide, so deletes and setData usually find a node.
const PATHS: [&str; 6] = ["/a", "/a/b", "/a/b/c", "/b", "/b/x", "/c"];

#[derive(Clone, Debug)]
pub(super) enum Action {
    CreateSession,
    /// Closes the live session at this index (modulo their count).
    CloseSession(usize),
    /// A write by the live session at this index; with no session live, a
    /// write by an unknown session (an error txn, still logged).
    Write(usize, ClientOp),
}

fn arb_path() -> impl Strategy<Value = String> {
    proptest::sample::select(PATHS.to_vec()).prop_map(str::to_string)
}

/// Mostly small, sometimes big enough to span sectors.
fn arb_data() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => proptest::collection::vec(any::<u8>(), 0..24),
        1 => proptest::collection::vec(any::<u8>(), 300..1400),
    ]
}

fn arb_mode() -> impl Strategy<Value = CreateMode> {
    proptest::sample::select(vec![
        CreateMode::Persistent,
        CreateMode::Ephemeral,
        CreateMode::PersistentSequential,
        CreateMode::EphemeralSequential,
    ])
}

fn arb_write() -> impl Strategy<Value = ClientOp> {
    let multi_op = prop_oneof![
        (arb_path(), arb_data(), arb_mode()).prop_map(|(path, data, mode)| MultiOp::Create {
            path,
            data,
            mode
        }),
        arb_path().prop_map(|path| MultiOp::Delete { path, version: -1 }),
        (arb_path(), 0i32..2).prop_map(|(path, version)| MultiOp::Check { path, version }),
    ];
    prop_oneof![
        4 => (arb_path(), arb_data(), arb_mode()).prop_map(|(path, data, mode)| ClientOp::Create { path, data, mode }),
        2 => arb_path().prop_map(|path| ClientOp::Delete { path, version: -1 }),
        3 => (arb_path(), arb_data()).prop_map(|(path, data)| ClientOp::SetData { path, data, version: -1 }),
        1 => proptest::collection::vec(multi_op, 0..4).prop_map(ClientOp::Multi),
    ]
}

fn arb_action() -> impl Strategy<Value = Action> {
    prop_oneof![
        2 => Just(Action::CreateSession),
        1 => any::<usize>().prop_map(Action::CloseSession),
        10 => (any::<usize>(), arb_write()).prop_map(|(who, op)| Action::Write(who, op)),
    ]
}

/// A history of `min..max` txns, starting with a session so writes succeed.
pub(super) fn arb_history(min: usize, max: usize) -> impl Strategy<Value = History> {
    (
        proptest::collection::vec(arb_action(), min.saturating_sub(1)..max),
        proptest::option::of(any::<prop::sample::Index>()),
    )
        .prop_map(|(mut actions, epoch_change)| {
            actions.insert(0, Action::CreateSession);
            let epoch_change_at = epoch_change.map(|index| index.index(actions.len()));
            History::build(&actions, epoch_change_at)
        })
}

/// Batch sizes covering `count` records: each value picks the size of one batch.
pub(super) fn arb_batches(count: usize) -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(1usize..5, count).prop_map(move |sizes| {
        let mut batches = Vec::new();
        let mut left = count;
        for size in sizes {
            if left == 0 {
                break;
            }
            let size = size.min(left);
            batches.push(size);
            left -= size;
        }
        assert_eq!(batches.iter().sum::<usize>(), count);
        batches
    })
}

/// Txns as a leader logs them, with the tree after each.
#[derive(Clone, Debug)]
pub(super) struct History {
    /// `prev_zxid` chained; `synced_zxid` is filled in by `batch`.
    pub records: Vec<LogRecord>,
    /// `trees[i]` is the state after the first `i` records (`trees[0]` is empty).
    pub trees: Vec<DataTree>,
}

impl History {
    /// Plays `actions` as a leader of epoch 1; from `epoch_change_at` on, of epoch 2.
    pub fn build(actions: &[Action], epoch_change_at: Option<usize>) -> History {
        let mut tree = DataTree::new();
        let mut history = History {
            records: Vec::new(),
            trees: vec![tree.clone()],
        };
        let mut last = Zxid::ZERO;
        for (index, action) in actions.iter().enumerate() {
            let epoch = if epoch_change_at.is_some_and(|at| index >= at) {
                Epoch(2)
            } else {
                Epoch(1)
            };
            let zxid = if last.epoch() < epoch {
                Zxid::new(epoch, 1)
            } else {
                last.next_in_epoch().expect("small histories")
            };
            let live: Vec<SessionId> = tree.sessions().keys().copied().collect();
            let pick = |who: usize| match live.is_empty() {
                true => SessionId(0xdead),
                false => live[who % live.len()],
            };
            let (session, txn) = match action {
                Action::CreateSession => (SessionId(zxid.0), tree.prepare_create_session(5_000)),
                Action::CloseSession(who) => {
                    let session = pick(*who);
                    (session, tree.prepare_close_session(session))
                }
                Action::Write(who, op) => {
                    let header = txn_header(pick(*who), index, zxid);
                    (header.session, tree.prepare(&header, op))
                }
            };
            let header = txn_header(session, index, zxid);
            let _outcome = tree.apply(&header, &txn);
            history.records.push(LogRecord {
                prev_zxid: last,
                synced_zxid: Zxid::ZERO,
                header,
                txn: txn.into(),
            });
            history.trees.push(tree.clone());
            last = zxid;
        }
        history
    }

    pub fn last_tree(&self) -> &DataTree {
        self.trees.last().expect("trees[0] always exists")
    }
}

fn txn_header(session: SessionId, index: usize, zxid: Zxid) -> TxnHeader {
    TxnHeader {
        session,
        cxid: index as u32,
        zxid,
        time_ms: 1_000 + 10 * index as u64,
    }
}

/// Sets each record's `synced_zxid` to the last zxid of the batch before its
/// own (`before` for the first batch: what was durable before these records).
pub(super) fn set_synced(records: &mut [LogRecord], batches: &[usize], before: Zxid) {
    let mut synced = before;
    let mut start = 0;
    for size in batches {
        for record in &mut records[start..start + size] {
            record.synced_zxid = synced;
            assert!(record.synced_zxid <= record.prev_zxid);
        }
        start += size;
        synced = records[start - 1].zxid();
    }
    assert_eq!(start, records.len());
}

/// Where a record lies in its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Span {
    pub start: usize,
    pub end: usize,
    pub batch: usize,
}

/// One log file: header, then each batch's records padded with zeros to a sector boundary.
pub(super) fn encode_log(
    dbid: u64,
    records: &[LogRecord],
    batches: &[usize],
) -> (Vec<u8>, Vec<Span>) {
    let mut bytes = encode_log_header(dbid);
    let mut spans = Vec::with_capacity(records.len());
    let mut next = 0;
    for (batch, size) in batches.iter().enumerate() {
        for record in &records[next..next + size] {
            let start = bytes.len();
            encode_record(record, &mut bytes).expect("test records are small");
            spans.push(Span {
                start,
                end: bytes.len(),
                batch,
            });
        }
        next += size;
        bytes.resize(align_up(bytes.len() as u64) as usize, 0);
    }
    assert_eq!(spans.len(), records.len());
    assert!((bytes.len() as u64).is_multiple_of(crate::persist::log_format::SECTOR_BYTES));
    (bytes, spans)
}

/// A single-file log of `records` named for its first record.
pub(super) struct OneFile {
    pub name: String,
    pub first_zxid: Zxid,
    pub bytes: Vec<u8>,
    pub spans: Vec<Span>,
}

impl OneFile {
    pub fn new(records: &[LogRecord], batches: &[usize]) -> OneFile {
        let first_zxid = records[0].zxid();
        let (bytes, spans) = encode_log(DBID, records, batches);
        OneFile {
            name: log_name(first_zxid),
            first_zxid,
            bytes,
            spans,
        }
    }

    pub fn image<'a>(&'a self, bytes: &'a [u8]) -> LogFileImage<'a> {
        LogFileImage {
            name: &self.name,
            first_zxid: self.first_zxid,
            bytes,
        }
    }
}

/// A sealed snapshot of `tree` as of its last processed zxid, in chunks of `chunk_nodes`.
pub(super) fn encode_snapshot(tree: &DataTree, dbid: u64, chunk_nodes: usize) -> Vec<u8> {
    let mut walk = tree.fuzzy_walk();
    let (mut encoder, mut bytes) = SnapshotEncoder::begin(dbid, walk.zxid(), walk.sessions());
    let mut finished = false;
    let mut rounds = 0;
    while !finished {
        let mut nodes = Vec::new();
        finished = walk.next_chunk(tree, chunk_nodes, &mut nodes);
        bytes.extend(encoder.chunk(&nodes));
        assert_eq!(encoder.bytes_written(), bytes.len() as u64);
        rounds += 1;
        assert!(rounds <= tree.node_count() + 1, "the walk ends");
    }
    bytes.extend(encoder.finish(tree.last_processed_zxid()));
    bytes
}
