//! zksim: the simulated world, fault injection, checkers and the CLI.

pub mod builtin;
pub mod checker;
pub mod cli;
pub mod clock;
pub mod disk;
pub mod ghost;
pub mod history;
pub mod lincheck;
pub mod network;
pub mod panics;
pub mod queue;
pub mod realfs;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod standalone;
pub mod trace;
pub mod violation;
pub mod workload;
pub mod world;
pub mod zk_check;
pub mod zkmodel;
