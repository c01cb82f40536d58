use clap::Parser;
use std::process::ExitCode;

/// mimalloc, not the system's malloc: a run allocates and frees millions of
/// small messages, records and tree nodes, and glibc's malloc and free were a
/// fifth of a run's instructions (docs/PERFORMANCE.md). The allocator changes
/// no trace: nothing in a simulation depends on an address.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    zksim::cli::main_with(zksim::cli::Cli::parse())
}
