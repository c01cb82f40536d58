//! Loading snapshots: the load agrees with a one-pass load through the
//! structural edits (the model), on any records in any order; and one check
//! per error it reports.

use std::collections::BTreeMap;

use proptest::prelude::*;

use crate::ids::{SessionId, Zxid};
use crate::tree::{parent_of, validate_path, DataTree, Stat, Znode};

/// The model: each record inserted through `insert_node`, keeping the digest
/// in step, in path order after a check in input order (the load as it was
/// before it was made one pass).
fn one_pass_load(
    zxid: Zxid,
    sessions: BTreeMap<SessionId, u32>,
    records: Vec<(String, Znode)>,
) -> Result<DataTree, String> {
    let mut by_path = BTreeMap::new();
    for (path, znode) in records {
        validate_path(&path).map_err(|why| format!("snapshot node {path:?}: {why}"))?;
        if znode.stat.data_length as usize != znode.data.len() {
            return Err(format!(
                "snapshot node {path}: data_length {} but {} bytes",
                znode.stat.data_length,
                znode.data.len()
            ));
        }
        if by_path.insert(path.clone(), znode).is_some() {
            return Err(format!("snapshot node {path} appears twice"));
        }
    }
    let mut tree = DataTree::new();
    let root = by_path.remove("/").ok_or("snapshot has no root")?;
    if root.stat.ephemeral_owner != SessionId::NONE {
        return Err("snapshot root is ephemeral".to_owned());
    }
    tree.modify_node("/", |znode| *znode = root);
    for (path, znode) in by_path {
        let parent = parent_of(&path).expect("only the root has no parent");
        if !tree.nodes.contains_key(parent) {
            return Err(format!("snapshot node {path} has no parent"));
        }
        tree.insert_node(path, znode);
    }
    for (session, timeout_ms) in sessions {
        tree.insert_session(session, timeout_ms);
    }
    tree.last_processed_zxid = zxid;
    assert_eq!(tree.digest, tree.recompute_digest());
    Ok(tree)
}

/// Every field equal, the derived ones included (`==` compares only the
/// nodes and the sessions).
fn assert_identical(loaded: &DataTree, model: &DataTree) {
    assert_eq!(loaded.first_difference(model), None);
    assert_eq!(loaded.nodes, model.nodes);
    assert_eq!(loaded.sessions, model.sessions);
    assert_eq!(loaded.ephemerals, model.ephemerals);
    assert_eq!(loaded.digest, model.digest);
    assert_eq!(loaded.digest, loaded.recompute_digest());
    assert_eq!(loaded.last_processed_zxid, model.last_processed_zxid);
}

/// Names sorting on both sides of '/' ("/a-b", "/a.b" between "/a" and
/// "/a/b"), a parent that may be missing ("/c"), and depth three.
const PATHS: [&str; 11] = [
    "/", "/a", "/a/b", "/a/b/c", "/a-b", "/a-b/c", "/a.b", "/b", "/b/a", "/c", "/c/d",
];

/// Extra records: invalid paths, and valid ones that may repeat a path.
const EXTRA_PATHS: [&str; 7] = ["/a/", "a", "", "/a//b", "/", "/a", "/b/a"];

fn arb_znode() -> impl Strategy<Value = Znode> {
    (
        proptest::collection::vec(0u8..4, 0..3),
        proptest::bool::weighted(0.01),
        proptest::option::weighted(0.1, 1u64..4),
        (0u64..9, 0i32..3, 0u32..4),
    )
        .prop_map(
            |(data, wrong_length, owner, (zxid, version, num_children))| {
                let stat = Stat {
                    czxid: Zxid(zxid),
                    mzxid: Zxid(zxid + 1),
                    version,
                    ephemeral_owner: SessionId(owner.unwrap_or(0)),
                    data_length: data.len() as u32 + u32::from(wrong_length),
                    num_children,
                    ..Stat::default()
                };
                Znode { data, stat }
            },
        )
}

/// Distinct valid paths in any order, usually with their ancestors, and
/// now and then an extra record inserted anywhere.
fn arb_records() -> impl Strategy<Value = Vec<(String, Znode)>> {
    let paths = (
        proptest::sample::subsequence(PATHS.to_vec(), 0..=PATHS.len()),
        proptest::bool::weighted(0.8),
    )
        .prop_map(|(paths, with_ancestors)| {
            let mut paths: Vec<String> = paths.into_iter().map(str::to_owned).collect();
            if with_ancestors {
                paths = with_their_ancestors(paths);
            }
            paths
        })
        .prop_shuffle();
    let extras = proptest::collection::vec(
        (
            any::<prop::sample::Index>(),
            proptest::sample::select(EXTRA_PATHS.to_vec()),
        ),
        0..3,
    );
    let extras = proptest::option::weighted(0.3, extras).prop_map(Option::unwrap_or_default);
    let znodes = proptest::collection::vec(arb_znode(), PATHS.len() + 3);
    (paths, extras, znodes).prop_map(|(mut paths, extras, znodes)| {
        for (at, path) in extras {
            paths.insert(at.index(paths.len() + 1), path.to_owned());
        }
        paths.into_iter().zip(znodes).collect()
    })
}

fn with_their_ancestors(paths: Vec<String>) -> Vec<String> {
    let mut closed = std::collections::BTreeSet::new();
    for path in paths {
        let mut next = Some(path.as_str());
        while let Some(at) = next {
            closed.insert(at.to_owned());
            next = parent_of(at);
        }
    }
    closed.into_iter().collect()
}

fn arb_sessions() -> impl Strategy<Value = BTreeMap<SessionId, u32>> {
    proptest::collection::btree_map(1u64..4, 1u32..100, 0..3).prop_map(|sessions| {
        sessions
            .into_iter()
            .map(|(id, timeout_ms)| (SessionId(id), timeout_ms))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// The same tree, every derived field included, or the same error.
    #[test]
    fn the_load_is_the_one_pass_load(records in arb_records(), sessions in arb_sessions(), zxid in 0u64..9) {
        let loaded = DataTree::from_snapshot(Zxid(zxid), sessions.clone(), records.clone());
        let model = one_pass_load(Zxid(zxid), sessions, records);
        match (loaded, model) {
            (Ok(loaded), Ok(model)) => assert_identical(&loaded, &model),
            (Err(loaded), Err(model)) => prop_assert_eq!(loaded, model),
            (loaded, model) => prop_assert!(false, "loaded {:?}, the model {:?}", loaded, model),
        }
    }
}

/// `records` with correct data_lengths and no owners, by path.
fn plain(paths: &[&str]) -> Vec<(String, Znode)> {
    paths
        .iter()
        .map(|path| ((*path).to_owned(), Znode::default()))
        .collect()
}

/// `path`'s record with `change` applied.
fn with(
    mut records: Vec<(String, Znode)>,
    path: &str,
    change: impl Fn(&mut Znode),
) -> Vec<(String, Znode)> {
    let record = records
        .iter_mut()
        .find(|(at, _)| at == path)
        .expect("the record exists");
    change(&mut record.1);
    records
}

fn check_rejected(records: Vec<(String, Znode)>, expected: &str) {
    let error =
        DataTree::from_snapshot(Zxid::ZERO, BTreeMap::new(), records.clone()).expect_err(expected);
    assert_eq!(error, expected);
    let model = one_pass_load(Zxid::ZERO, BTreeMap::new(), records).expect_err(expected);
    assert_eq!(model, expected);
}

#[test]
fn every_load_error_is_reported() {
    let too_long = |znode: &mut Znode| znode.stat.data_length = 3;
    let owned = |znode: &mut Znode| znode.stat.ephemeral_owner = SessionId(7);
    check_rejected(
        plain(&["/", "/a/"]),
        r#"snapshot node "/a/": path must not end with '/'"#,
    );
    check_rejected(
        with(plain(&["/", "/a"]), "/a", too_long),
        "snapshot node /a: data_length 3 but 0 bytes",
    );
    check_rejected(plain(&["/", "/a", "/a"]), "snapshot node /a appears twice");
    check_rejected(plain(&[]), "snapshot has no root");
    check_rejected(plain(&["/a"]), "snapshot has no root");
    check_rejected(plain(&["/a/b"]), "snapshot has no root");
    check_rejected(
        with(plain(&["/", "/a"]), "/", owned),
        "snapshot root is ephemeral",
    );
    check_rejected(plain(&["/", "/a/b"]), "snapshot node /a/b has no parent");
}

/// With several problems, the first a one-pass load meets is named.
#[test]
fn the_first_load_error_is_reported() {
    check_rejected(
        plain(&["/", "/b", "/b", "/a/"]),
        "snapshot node /b appears twice",
    );
    check_rejected(
        plain(&["/", "/a/", "/b", "/b"]),
        r#"snapshot node "/a/": path must not end with '/'"#,
    );
    // Repeats in input order, not path order.
    check_rejected(
        plain(&["/", "/b", "/a", "/b", "/a"]),
        "snapshot node /b appears twice",
    );
    // A repeat with a wrong data_length: the record is checked first.
    let mut records = plain(&["/", "/a"]);
    records.push((
        "/a".to_owned(),
        Znode {
            stat: Stat {
                data_length: 2,
                ..Stat::default()
            },
            data: Vec::new(),
        },
    ));
    check_rejected(records, "snapshot node /a: data_length 2 but 0 bytes");
    // Orphans in path order, after the root.
    check_rejected(
        plain(&["/", "/z/y", "/c/d"]),
        "snapshot node /c/d has no parent",
    );
    check_rejected(
        with(plain(&["/a/b", "/"]), "/", |znode| {
            znode.stat.ephemeral_owner = SessionId(7)
        }),
        "snapshot root is ephemeral",
    );
}

/// Children are recounted, whatever the records say; owners need not be
/// sessions yet.
#[test]
fn a_load_recounts_children_and_indexes_ephemerals() {
    let records = with(
        with(plain(&["/a/b", "/", "/a", "/a-b"]), "/a", |znode| {
            znode.stat.num_children = 9
        }),
        "/a/b",
        |znode| znode.stat.ephemeral_owner = SessionId(5),
    );
    let tree = DataTree::from_snapshot(Zxid(4), BTreeMap::new(), records).expect("valid");
    assert_eq!(tree.node("/a").expect("loaded").stat.num_children, 1);
    assert_eq!(tree.node("/").expect("loaded").stat.num_children, 2);
    assert_eq!(
        tree.children("/"),
        Some(vec!["a".to_owned(), "a-b".to_owned()])
    );
    assert_eq!(tree.ephemerals_of(SessionId(5)), ["/a/b"]);
    assert_eq!(
        tree.orphan_ephemerals(),
        [("/a/b".to_owned(), SessionId(5))]
    );
    assert_eq!(tree.last_processed_zxid(), Zxid(4));
    assert_eq!(tree.digest(), tree.recompute_digest());
}
