//! Checks of a run. Each returns what it found as violations; none panics.

pub mod purge;
pub mod recipes;
pub mod recovery;
pub mod sequential;
pub mod watches;
pub mod zab;
