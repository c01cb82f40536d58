//! The data tree: znodes, their Stats, sessions and an order-independent digest.

mod error;
mod stat;

pub use error::ErrorCode;
pub use stat::{CreateMode, Stat, Znode};
