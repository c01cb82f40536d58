//! The data tree: znodes, their Stats, sessions and an order-independent digest.

mod apply;
mod codec;
mod datatree;
mod digest;
mod error;
mod invariants;
mod load;
mod path;
mod prepare;
mod read;
mod stat;
mod walk;

#[cfg(test)]
mod tests;

pub use codec::{decode_znode, encode_znode, STAT_BYTES};
pub use datatree::DataTree;
pub use error::ErrorCode;
pub use path::{child_path, name_of, parent_of, sequential_path, validate_path};
pub use stat::{CreateMode, Stat, Znode};
pub use walk::FuzzyWalk;
