//! The model's state: the znodes of one partition and the sessions that ended.
//!
//! `step` is the checker's hot path and the search caches many states, so a
//! state is shared and copy-on-write: the znodes live in fixed chunks of
//! slots behind `Arc`s (an edit copies one chunk, not the tree), a read step
//! returns the same `Arc`, and an order-independent digest kept incrementally
//! makes hashing O(1). Equality still compares contents: a digest collision
//! must never merge two different states.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use zksim_core::hash::fmix64;
use zksim_core::ids::SessionId;

use super::tables::DataId;

/// Slots per chunk: an edit copies this many.
const CHUNK_SLOTS: usize = 16;

type Chunk = [Option<Node>; CHUNK_SLOTS];

/// One znode. `cversion` and `num_children` are exact only where the
/// partition owns the node's children (see `partition.rs`); elsewhere they
/// stay 0 and are never compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Node {
    pub data: DataId,
    pub version: i32,
    pub cversion: i32,
    pub num_children: u32,
    pub ephemeral_owner: SessionId,
}

impl Node {
    pub fn new(data: DataId, ephemeral_owner: SessionId) -> Node {
        Node {
            data,
            version: 0,
            cversion: 0,
            num_children: 0,
            ephemeral_owner,
        }
    }
}

#[derive(Clone)]
struct Inner {
    /// Slot `i` is `chunks[i / CHUNK_SLOTS][i % CHUNK_SLOTS]`; a missing chunk is all empty.
    chunks: Vec<Arc<Chunk>>,
    /// Sessions closed or expired: sorted, no duplicates. Every other
    /// session is live (an op of a session never precedes its creation, so
    /// creation needs no record, and a subset of a history without its
    /// createSession ops still makes sense).
    ended: Vec<SessionId>,
    /// Wrapping sum of `node_digest` over nodes and `session_digest` over ended sessions.
    digest: u64,
}

/// A partition's znodes by slot (slot 0 is the root) and the sessions that ended.
#[derive(Clone)]
pub struct ZkState(Arc<Inner>);

impl Default for ZkState {
    fn default() -> ZkState {
        ZkState::new()
    }
}

impl ZkState {
    /// The root alone; every session live.
    pub fn new() -> ZkState {
        let mut edit = Edit {
            inner: Inner {
                chunks: Vec::new(),
                ended: Vec::new(),
                digest: 0,
            },
        };
        edit.set(0, Some(Node::new(DataId::EMPTY, SessionId::NONE)));
        edit.finish()
    }

    pub fn node(&self, slot: usize) -> Option<&Node> {
        node_in(&self.0, slot)
    }

    pub fn is_live(&self, session: SessionId) -> bool {
        self.0.ended.binary_search(&session).is_err()
    }

    /// Starts a copy-on-write edit; `self` is unchanged.
    pub fn edit(&self) -> Edit {
        Edit {
            inner: Inner::clone(&self.0),
        }
    }

    /// Every node with its slot, in slot order.
    pub fn nodes(&self) -> impl Iterator<Item = (usize, &Node)> {
        nodes_in(&self.0)
    }

    pub fn ended_sessions(&self) -> &[SessionId] {
        &self.0.ended
    }

    /// About what a cached state holds on its own: its chunk and session
    /// lists and one chunk (an edit copies one; the others are shared).
    pub fn heap_bytes(&self) -> u64 {
        let lists = std::mem::size_of::<Inner>()
            + self.0.chunks.len() * std::mem::size_of::<Arc<Chunk>>()
            + self.0.ended.len() * std::mem::size_of::<SessionId>();
        (lists + std::mem::size_of::<Chunk>()) as u64
    }

    /// Recomputes what is kept incrementally; panics if it drifted.
    pub fn check_invariants(&self) {
        let recomputed = nodes_in(&self.0)
            .map(|(slot, node)| node_digest(slot, node))
            .chain(self.0.ended.iter().map(|s| session_digest(*s)))
            .fold(0u64, u64::wrapping_add);
        assert_eq!(recomputed, self.0.digest, "state digest drifted");
        assert!(
            self.0.ended.windows(2).all(|pair| pair[0] < pair[1]),
            "ended sessions sorted and distinct"
        );
        assert!(self.node(0).is_some(), "the root always exists");
    }
}

fn node_in(inner: &Inner, slot: usize) -> Option<&Node> {
    inner
        .chunks
        .get(slot / CHUNK_SLOTS)
        .and_then(|chunk| chunk[slot % CHUNK_SLOTS].as_ref())
}

fn nodes_in(inner: &Inner) -> impl Iterator<Item = (usize, &Node)> {
    inner.chunks.iter().enumerate().flat_map(|(index, chunk)| {
        chunk.iter().enumerate().filter_map(move |(offset, node)| {
            node.as_ref().map(|n| (index * CHUNK_SLOTS + offset, n))
        })
    })
}

/// A state being changed; `finish` seals it.
pub struct Edit {
    inner: Inner,
}

impl Edit {
    pub fn node(&self, slot: usize) -> Option<&Node> {
        node_in(&self.inner, slot)
    }

    pub fn nodes(&self) -> impl Iterator<Item = (usize, &Node)> {
        nodes_in(&self.inner)
    }

    /// Puts (or with `None` removes) the node in `slot`.
    pub fn set(&mut self, slot: usize, node: Option<Node>) {
        let index = slot / CHUNK_SLOTS;
        if node.is_none() && index >= self.inner.chunks.len() {
            return;
        }
        while self.inner.chunks.len() <= index {
            self.inner.chunks.push(Arc::new([None; CHUNK_SLOTS]));
        }
        let cell = &mut Arc::make_mut(&mut self.inner.chunks[index])[slot % CHUNK_SLOTS];
        if let Some(old) = cell {
            self.inner.digest = self.inner.digest.wrapping_sub(node_digest(slot, old));
        }
        if let Some(new) = &node {
            self.inner.digest = self.inner.digest.wrapping_add(node_digest(slot, new));
        }
        *cell = node;
    }

    pub fn is_live(&self, session: SessionId) -> bool {
        self.inner.ended.binary_search(&session).is_err()
    }

    /// The session ends (for good: ids are never reused).
    pub fn end_session(&mut self, session: SessionId) {
        if let Err(at) = self.inner.ended.binary_search(&session) {
            self.inner.ended.insert(at, session);
            self.inner.digest = self.inner.digest.wrapping_add(session_digest(session));
        }
    }

    pub fn finish(self) -> ZkState {
        let state = ZkState(Arc::new(self.inner));
        debug_assert!({
            state.check_invariants();
            true
        });
        state
    }
}

fn node_digest(slot: usize, node: &Node) -> u64 {
    let head = fmix64(slot as u64 ^ (u64::from(node.data.0) << 32));
    let counters =
        fmix64(u64::from(node.version as u32) ^ (u64::from(node.cversion as u32) << 32) ^ head);
    fmix64(counters ^ u64::from(node.num_children).rotate_left(17) ^ fmix64(node.ephemeral_owner.0))
}

fn session_digest(session: SessionId) -> u64 {
    fmix64(session.0 ^ 0x5e55_1075_5e55_1075)
}

impl PartialEq for ZkState {
    fn eq(&self, other: &ZkState) -> bool {
        if Arc::ptr_eq(&self.0, &other.0) {
            return true;
        }
        let (a, b) = (&*self.0, &*other.0);
        if a.digest != b.digest || a.ended != b.ended {
            return false;
        }
        let empty: Chunk = [None; CHUNK_SLOTS];
        let chunks = a.chunks.len().max(b.chunks.len());
        (0..chunks).all(|index| match (a.chunks.get(index), b.chunks.get(index)) {
            (Some(x), Some(y)) => Arc::ptr_eq(x, y) || x == y,
            (Some(x), None) | (None, Some(x)) => **x == empty,
            (None, None) => true,
        })
    }
}

impl Eq for ZkState {}

impl Hash for ZkState {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0.digest);
    }
}

impl fmt::Debug for ZkState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZkState")
            .field("nodes", &self.nodes().collect::<Vec<_>>())
            .field("ended", &self.0.ended)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_copy_on_write_and_equality_ignores_history() {
        let base = ZkState::new();
        let mut edit = base.edit();
        edit.set(40, Some(Node::new(DataId(3), SessionId::NONE)));
        let grown = edit.finish();
        assert!(base.node(40).is_none());
        assert_eq!(grown.node(40).map(|n| n.data), Some(DataId(3)));
        assert_ne!(base, grown);
        let mut edit = grown.edit();
        edit.set(40, None);
        let shrunk = edit.finish();
        assert_eq!(shrunk, base, "an empty chunk equals a missing one");
        shrunk.check_invariants();
        let mut edit = base.edit();
        edit.end_session(SessionId(7));
        let ended = edit.finish();
        assert!(!ended.is_live(SessionId(7)));
        assert!(ended.is_live(SessionId(8)));
        assert_ne!(ended, base);
        let mut edit = ended.edit();
        edit.end_session(SessionId(7));
        assert_eq!(edit.finish(), ended);
    }
}
