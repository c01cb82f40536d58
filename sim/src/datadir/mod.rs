//! `zksim datadir verify DIR` and `zksim datadir dump DIR`: inspection tools
//! for a data directory written by the core (through `realfs.rs`, as
//! `LocalServer` does), or a copy of one.
//!
//! Files are read here, in `sim`; every byte is decoded by the core's own
//! functions (`zksim_core::persist`), so what the tools say is what recovery
//! sees. docs/DATADIR.md describes the layout, the checks and both outputs.

pub mod dump;
pub mod log_walk;
pub mod read;
pub mod render;
pub mod verify;

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Exit codes: 0 the directory is OK (or was dumped), 1 problems found
/// (torn, damaged or lost data), 2 bad input (not a directory, unreadable).
pub const EXIT_OK: u8 = 0;
pub const EXIT_PROBLEMS: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;

#[derive(Args, Debug)]
pub struct DatadirArgs {
    #[command(subcommand)]
    pub command: DatadirCommand,
}

#[derive(Subcommand, Debug)]
pub enum DatadirCommand {
    /// Check every file of a data directory and say what recovery will make of it.
    ///
    /// One verdict line per file (log records and checksums, torn tails, snapshot seals,
    /// epoch files, stray files), directory-wide checks (zxid continuity, snapshot/log
    /// coverage, epochs), the core's own recovery run on the directory, and an overall
    /// verdict: OK, TORN TAIL, RECOVERABLE WITH LOSS or DAMAGED.
    ///
    /// Exit codes: 0 = OK, 1 = problems found (torn, lost or damaged), 2 = bad input.
    Verify(VerifyArgs),
    /// Print what a data directory holds: log txns, snapshot trees, epoch files.
    ///
    /// Exit codes: 0 = dumped (damaged files are shown as far as they decode), 2 = bad input.
    Dump(DumpArgs),
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The data directory.
    pub dir: PathBuf,
    /// Print the report as one JSON document (see docs/DATADIR.md).
    #[arg(long)]
    pub json: bool,
    /// The database id the files must carry [default: the one most of them name].
    #[arg(long)]
    pub dbid: Option<u64>,
}

#[derive(Args, Debug)]
pub struct DumpArgs {
    /// The data directory.
    pub dir: PathBuf,
    /// Print one JSON document instead of text (see docs/DATADIR.md).
    #[arg(long)]
    pub json: bool,
    /// Dump only this file of the directory (a name such as log.0000000100000001).
    #[arg(long, value_name = "NAME")]
    pub file: Option<String>,
    /// Show data values in full (by default values over 64 bytes are shortened).
    #[arg(long)]
    pub full: bool,
}

/// Runs a `datadir` subcommand, printing to stdout; returns the exit code.
pub fn run(args: &DatadirArgs) -> u8 {
    match &args.command {
        DatadirCommand::Verify(args) => run_verify(args),
        DatadirCommand::Dump(args) => run_dump(args),
    }
}

fn run_verify(args: &VerifyArgs) -> u8 {
    let options = verify::VerifyOptions { dbid: args.dbid };
    let report = match verify::verify_dir(&args.dir, &options) {
        Ok(report) => report,
        Err(message) => return bad_input(&message),
    };
    let text = if args.json {
        json(&report)
    } else {
        verify::text::render(&report)
    };
    print_out(&text);
    report.verdict.exit_code
}

fn run_dump(args: &DumpArgs) -> u8 {
    let options = dump::DumpOptions {
        file: args.file.clone(),
        full: args.full,
    };
    let document = match dump::dump_dir(&args.dir, &options) {
        Ok(document) => document,
        Err(message) => return bad_input(&message),
    };
    let text = if args.json {
        json(&document)
    } else {
        dump::text::render(&document, args.full)
    };
    print_out(&text);
    EXIT_OK
}

/// Pretty JSON and a newline. The documents hold only strings, numbers and
/// booleans, so serializing them cannot fail.
fn json<T: serde::Serialize>(document: &T) -> String {
    let mut text = serde_json::to_string_pretty(document).expect("plain data serializes");
    text.push('\n');
    text
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
fn print_out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
    if let Err(error) = written {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("zksim datadir: cannot write the output: {error}");
        }
    }
}

fn bad_input(message: &str) -> u8 {
    eprintln!("zksim datadir: {message}");
    EXIT_BAD_INPUT
}
