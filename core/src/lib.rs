//! zksim-core: a ZooKeeper-style store — data tree, transaction log, fuzzy
//! snapshots, recovery — driven sans-IO: it reacts to inputs and returns
//! outputs, and never touches a clock, a file, a socket, a thread or an RNG.

pub mod codec;
pub mod ids;
pub mod io;
pub mod request;
pub mod tree;
pub mod txn;
