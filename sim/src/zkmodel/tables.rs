//! Interned paths and data: the model's states and inputs hold small ids, the
//! tables hold the strings and bytes once.

use std::collections::BTreeMap;

use zksim_core::codec::{MAX_DATA_BYTES, MAX_PATH_BYTES};
use zksim_core::tree::{parent_of, validate_path};

/// An interned path. `PathId::ROOT` is "/".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PathId(pub u32);

/// An interned data value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DataId(pub u32);

impl PathId {
    pub const ROOT: PathId = PathId(0);
    /// Stands for every ancestor longer than a valid path: invalid, never a node.
    pub const TOO_LONG: PathId = PathId(1);
}

/// The text of `PathId::TOO_LONG` (not a path: it does not start with '/').
const TOO_LONG_TEXT: &str = "(a path longer than MAX_PATH_BYTES)";

impl DataId {
    /// The empty value (the root's data).
    pub const EMPTY: DataId = DataId(0);
}

/// What the model needs to know about a path without looking at its text.
#[derive(Clone, Debug)]
pub struct PathInfo {
    pub text: String,
    /// `parent_of(text)`, whether or not that parent is a valid path
    /// (`PathId::TOO_LONG` for a parent too long to be one).
    pub parent: Option<PathId>,
    /// `validate_path(text)` passes.
    pub valid: bool,
    /// Some op can see the node's data or dataLength (see `observed.rs`).
    pub data_observed: bool,
    /// Some op can see or test the node's version.
    pub version_observed: bool,
}

#[derive(Clone, Debug)]
pub struct DataInfo {
    pub bytes: Vec<u8>,
    /// Longer than the store accepts (`MAX_DATA_BYTES`).
    pub oversized: bool,
}

/// Paths and data values by id, and the ids by value.
#[derive(Clone, Debug)]
pub struct Tables {
    paths: Vec<PathInfo>,
    path_ids: BTreeMap<String, PathId>,
    data: Vec<DataInfo>,
    data_ids: BTreeMap<Vec<u8>, DataId>,
}

impl Default for Tables {
    fn default() -> Tables {
        Tables::new()
    }
}

impl Tables {
    /// Holds "/" as `PathId::ROOT`, `PathId::TOO_LONG`, and the empty value as `DataId::EMPTY`.
    pub fn new() -> Tables {
        let mut tables = Tables {
            paths: Vec::new(),
            path_ids: BTreeMap::new(),
            data: Vec::new(),
            data_ids: BTreeMap::new(),
        };
        assert_eq!(tables.path("/"), PathId::ROOT);
        assert_eq!(tables.path(TOO_LONG_TEXT), PathId::TOO_LONG);
        assert!(!tables.path_info(PathId::TOO_LONG).valid);
        assert_eq!(tables.data(&[]), DataId::EMPTY);
        tables
    }

    pub fn path(&mut self, text: &str) -> PathId {
        if let Some(id) = self.path_ids.get(text) {
            return *id;
        }
        // Ancestors first, so parents have smaller ids. A loop, not
        // recursion, and ancestors too long to be valid are not kept (a file
        // may hold a path of a million slashes): they all stand for one
        // invalid path that never exists.
        let mut missing = vec![text];
        let mut top_parent = None;
        while let Some(parent) = parent_of(missing[missing.len() - 1]) {
            if let Some(id) = self.path_ids.get(parent) {
                top_parent = Some(*id);
                break;
            }
            if parent.len() > MAX_PATH_BYTES {
                top_parent = Some(PathId::TOO_LONG);
                break;
            }
            missing.push(parent);
        }
        let mut parent = top_parent;
        for path in missing.into_iter().rev() {
            parent = Some(self.insert_path(path, parent));
        }
        parent.expect("at least the path itself")
    }

    fn insert_path(&mut self, text: &str, parent: Option<PathId>) -> PathId {
        assert!(!self.path_ids.contains_key(text), "{text:?} is new");
        let id = PathId(u32::try_from(self.paths.len()).expect("fewer than 2^32 paths"));
        self.paths.push(PathInfo {
            text: text.to_owned(),
            parent,
            valid: validate_path(text).is_ok(),
            data_observed: false,
            version_observed: false,
        });
        self.path_ids.insert(text.to_owned(), id);
        id
    }

    pub fn find_path(&self, text: &str) -> Option<PathId> {
        self.path_ids.get(text).copied()
    }

    pub fn observe_data(&mut self, path: PathId) {
        self.paths[path.0 as usize].data_observed = true;
    }

    pub fn observe_version(&mut self, path: PathId) {
        self.paths[path.0 as usize].version_observed = true;
    }

    pub fn data(&mut self, bytes: &[u8]) -> DataId {
        if let Some(id) = self.data_ids.get(bytes) {
            return *id;
        }
        let id = DataId(u32::try_from(self.data.len()).expect("fewer than 2^32 values"));
        self.data.push(DataInfo {
            bytes: bytes.to_vec(),
            oversized: bytes.len() > MAX_DATA_BYTES,
        });
        self.data_ids.insert(bytes.to_vec(), id);
        id
    }

    pub fn path_info(&self, id: PathId) -> &PathInfo {
        &self.paths[id.0 as usize]
    }

    pub fn text(&self, id: PathId) -> &str {
        &self.path_info(id).text
    }

    pub fn data_info(&self, id: DataId) -> &DataInfo {
        &self.data[id.0 as usize]
    }

    pub fn data_len(&self, id: DataId) -> u32 {
        u32::try_from(self.data_info(id).bytes.len()).unwrap_or(u32::MAX)
    }

    pub fn path_count(&self) -> usize {
        self.paths.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable_and_parents_come_first() {
        let mut tables = Tables::new();
        let child = tables.path("/a/b");
        let parent = tables.find_path("/a").expect("interned with its child");
        assert!(parent < child);
        assert_eq!(tables.path("/a/b"), child);
        assert_eq!(tables.path_info(child).parent, Some(parent));
        assert_eq!(tables.path_info(parent).parent, Some(PathId::ROOT));
        assert_eq!(tables.path_info(PathId::ROOT).parent, None);
        let trailing_slash = tables.path("/a/");
        assert!(!tables.path_info(trailing_slash).valid);
        assert_eq!(tables.data(b"x"), tables.data(b"x"));
        assert_ne!(tables.data(b"x"), DataId::EMPTY);
    }

    #[test]
    fn a_very_deep_path_keeps_only_ancestors_that_could_be_valid() {
        let mut tables = Tables::new();
        let deep = "/d".repeat(500_000);
        let id = tables.path(&deep);
        assert_eq!(tables.path_count(), 3);
        assert_eq!(tables.path_info(id).parent, Some(PathId::TOO_LONG));
        let longest_valid = "/d".repeat(MAX_PATH_BYTES / 2);
        let child = tables.path(&format!("{longest_valid}/d"));
        assert!(tables
            .path_info(child)
            .parent
            .is_some_and(|p| tables.path_info(p).valid));
        assert_eq!(tables.path_count(), 3 + MAX_PATH_BYTES / 2 + 1);
        assert_eq!(tables.find_path("/d"), Some(PathId(3)));
    }
}
