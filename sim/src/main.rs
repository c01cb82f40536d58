use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    zksim::cli::main_with(zksim::cli::Cli::parse())
}
