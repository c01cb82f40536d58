//! zksim-core: a ZooKeeper-style store — data tree, transaction log, fuzzy
//! snapshots, recovery — driven sans-IO: it reacts to inputs and returns
//! outputs, and never touches a clock, a file, a socket, a thread or an RNG.

pub mod bugs;
pub mod codec;
pub mod hash;
pub mod ids;
pub mod io;
pub mod peer;
pub mod persist;
pub mod request;
pub mod server;
pub mod tree;
pub mod txn;
pub mod watch;
