//! Snapshots: written in random chunks, read back whole; any damage is an `Err`.

use super::{arb_history, encode_snapshot, DBID};
use crate::ids::{SessionId, Zxid};
use crate::persist::snapshot_format::{decode_snapshot, SnapshotEncoder};
use crate::tree::{DataTree, Stat, Znode};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn arb_tree() -> impl Strategy<Value = DataTree> {
    (arb_history(1, 40), any::<prop::sample::Index>())
        .prop_map(|(history, at)| history.trees[1 + at.index(history.trees.len() - 1)].clone())
}

fn arb_snapshot() -> impl Strategy<Value = Vec<u8>> {
    (arb_tree(), 1usize..6)
        .prop_map(|(tree, chunk_nodes)| encode_snapshot(&tree, DBID, chunk_nodes))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn snapshots_round_trip(tree in arb_tree(), chunk_nodes in 1usize..6) {
        let bytes = encode_snapshot(&tree, DBID, chunk_nodes);
        let contents = decode_snapshot(&bytes).expect("an intact snapshot decodes");
        prop_assert_eq!(contents.dbid, DBID);
        prop_assert_eq!(contents.zxid, tree.last_processed_zxid());
        prop_assert_eq!(&contents.sessions, tree.sessions());
        prop_assert_eq!(contents.nodes.len(), tree.node_count());
        let rebuilt = DataTree::from_snapshot(contents.zxid, contents.sessions, contents.nodes)
            .expect("a snapshot of a valid tree rebuilds");
        prop_assert_eq!(rebuilt.digest(), tree.digest());
        prop_assert_eq!(rebuilt.recompute_digest(), tree.digest());
        prop_assert_eq!(rebuilt.last_processed_zxid(), tree.last_processed_zxid());
        prop_assert!(rebuilt == tree, "{:?}", rebuilt.first_difference(&tree));
        // `==` compares nodes and sessions; the ephemeral index is derived.
        prop_assert_eq!(rebuilt.check_invariants(), Ok(()));
        for session in tree.sessions().keys() {
            prop_assert_eq!(rebuilt.ephemerals_of(*session), tree.ephemerals_of(*session));
        }
        prop_assert_eq!(rebuilt.orphan_ephemerals(), tree.orphan_ephemerals());
    }

    /// However the nodes are chunked, the bytes are the same.
    #[test]
    fn chunking_does_not_change_the_bytes(tree in arb_tree(), chunk_nodes in 2usize..6) {
        prop_assert_eq!(encode_snapshot(&tree, DBID, 1), encode_snapshot(&tree, DBID, chunk_nodes));
    }

    #[test]
    fn a_truncated_snapshot_is_an_error(bytes in arb_snapshot(), cut in any::<prop::sample::Index>()) {
        let cut = cut.index(bytes.len());
        prop_assert!(decode_snapshot(&bytes[..cut]).is_err());
    }

    #[test]
    fn a_zero_filled_snapshot_is_an_error(bytes in arb_snapshot(), from in any::<prop::sample::Index>()) {
        let mut bytes = bytes;
        let from = from.index(bytes.len());
        bytes[from..].fill(0);
        prop_assert!(decode_snapshot(&bytes).is_err());
    }

    #[test]
    fn a_flipped_bit_is_an_error(bytes in arb_snapshot(), at in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut bytes = bytes;
        let at = at.index(bytes.len());
        bytes[at] ^= 1 << bit;
        prop_assert!(decode_snapshot(&bytes).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..512), sealed in any::<bool>()) {
        let mut raw = raw;
        if sealed {
            // A valid seal over garbage: the body decoder sees it.
            let crc = crc32c::crc32c(&raw);
            raw.extend_from_slice(&crc.to_be_bytes());
            raw.extend_from_slice(b"SEAL");
        }
        let _ = decode_snapshot(&raw);
    }

    /// Sealed snapshots holding nonsense nodes decode, and rebuilding them is an
    /// `Err` or a tree, never a panic.
    #[test]
    fn sealed_nonsense_never_panics(
        nodes in proptest::collection::vec(
            ("(/[ab]){0,3}|/", proptest::collection::vec(any::<u8>(), 0..4), 0u32..6, proptest::option::of(1u64..4), any::<i32>()),
            0..8,
        ),
        sessions in proptest::collection::btree_map(1u64..4, any::<u32>(), 0..3),
    ) {
        let nodes: Vec<(String, Znode)> = nodes
            .into_iter()
            .map(|(path, data, num_children, owner, version)| {
                let path = if path.is_empty() { "/".to_string() } else { path };
                // The encoder requires data_length to match (the decoder rejects a mismatch).
                let stat = Stat {
                    data_length: data.len() as u32,
                    num_children,
                    version,
                    ephemeral_owner: SessionId(owner.unwrap_or(0)),
                    ..Stat::default()
                };
                (path, Znode { data, stat })
            })
            .collect();
        let sessions: BTreeMap<SessionId, u32> = sessions.into_iter().map(|(id, timeout)| (SessionId(id), timeout)).collect();
        let (mut encoder, mut bytes) = SnapshotEncoder::begin(DBID, Zxid(9), &sessions);
        bytes.extend(encoder.chunk(&nodes));
        bytes.extend(encoder.finish(Zxid(9)));
        let contents = decode_snapshot(&bytes).expect("well-formed and sealed");
        prop_assert_eq!(&contents.nodes, &nodes);
        if let Ok(tree) = DataTree::from_snapshot(contents.zxid, contents.sessions, contents.nodes) {
            prop_assert_eq!(tree.digest(), tree.recompute_digest());
        }
    }
}

#[test]
fn an_empty_tree_round_trips() {
    let tree = DataTree::new();
    let bytes = encode_snapshot(&tree, DBID, 3);
    let contents = decode_snapshot(&bytes).expect("intact");
    assert_eq!(contents.zxid, Zxid::ZERO);
    assert_eq!(contents.nodes.len(), 1);
    let rebuilt =
        DataTree::from_snapshot(contents.zxid, contents.sessions, contents.nodes).expect("valid");
    assert!(rebuilt == tree);
}

#[test]
fn damage_is_named() {
    let bytes = encode_snapshot(&DataTree::new(), DBID, 3);
    assert!(decode_snapshot(&bytes[..4])
        .unwrap_err()
        .contains("too short"));
    assert!(decode_snapshot(&bytes[..bytes.len() - 1])
        .unwrap_err()
        .contains("no seal"));
    let mut flipped = bytes.clone();
    flipped[10] ^= 4;
    assert!(decode_snapshot(&flipped).unwrap_err().contains("checksum"));
}
