//! `zksim exec OPS.json`: runs a scripted list of client operations against a
//! fault-free simulated ensemble and prints what each returned, so that the
//! store can be tried by hand and compared with other implementations.
//!
//! The script (see `format`, and `docs/EXEC-FORMAT.md`) names its sessions;
//! each op runs after the previous one was answered, on the simulator's real
//! replicas and network in virtual time (`world::run_script`). The output (see
//! `output`) is a pure function of the script and the seed.

pub mod format;
pub mod output;

use crate::cli::{EXIT_BAD_INPUT, EXIT_FAIL, EXIT_PASS};
use crate::world::run_script;
use clap::Args;
use std::fmt;
use std::io::Read;
use std::path::PathBuf;

pub use format::{parse, ExecScript, FormatError};
pub use output::Line;

#[derive(Args, Debug)]
#[command(after_help = "\
The script is a JSON document {\"ensemble\": 3, \"ops\": [...]} (or a bare array of ops), \
each op such as {\"session\": \"a\", \"op\": \"create\", \"path\": \"/x\", \"data\": \"hi\"}; \
see docs/EXEC-FORMAT.md.

Exit codes: 0 = every op was answered (ops that fail, such as a create of an existing node, \
still exit 0: their error is part of the output), 1 = the ensemble stopped answering or \
misbehaved (a checker fired), 2 = bad input (the message names the op and field).")]
pub struct ExecArgs {
    /// The script file (`-` for standard input).
    #[arg(value_name = "OPS.json")]
    pub file: PathBuf,
    /// Print one indented JSON array instead of one JSON object per line.
    #[arg(long)]
    pub pretty: bool,
    /// The simulation seed: varies network and disk timing (and so zxids,
    /// times and session ids), never the ops' order.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Why a script produced no complete output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecError {
    /// The script is malformed or invalid.
    BadInput(FormatError),
    /// The run did not answer every op, or a checker found the store at
    /// fault; `output` holds the lines of the ops that were answered.
    Failed { output: String, message: String },
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecError::BadInput(error) => error.fmt(f),
            ExecError::Failed { message, .. } => f.write_str(message),
        }
    }
}

/// Runs a script's text with `seed`; returns the rendered output.
pub fn exec_str(text: &str, seed: u64, pretty: bool) -> Result<String, ExecError> {
    let script = parse(text).map_err(ExecError::BadInput)?;
    execute(&script, seed, pretty)
}

/// Runs a parsed script with `seed`; returns the rendered output.
pub fn execute(script: &ExecScript, seed: u64, pretty: bool) -> Result<String, ExecError> {
    let outcome = run_script(&script.script, script.ensemble, seed);
    let lines = output::lines(script, &outcome.results);
    let rendered = output::render(&lines, pretty);
    let mut problems: Vec<String> = Vec::new();
    if let Some(stalled) = outcome.stalled_at {
        problems.push(format!(
            "ops[{stalled}] got no answer within {} ms of virtual time",
            outcome.virtual_ms
        ));
    }
    problems.extend(outcome.violations.iter().map(|v| v.to_string()));
    if problems.is_empty() {
        assert_eq!(lines.len(), script.labels.len(), "every op answered");
        return Ok(rendered);
    }
    Err(ExecError::Failed {
        output: rendered,
        message: problems.join("\n"),
    })
}

/// `zksim exec`: prints the output; returns the exit code.
pub fn run(args: &ExecArgs) -> u8 {
    let name = args.file.display();
    let text = match read(&args.file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("zksim exec: cannot read {name}: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    // The default panic hook stays: a panic here is a bug in the store or
    // the simulator, and its location helps (the run also reports it).
    match exec_str(&text, args.seed, args.pretty) {
        Ok(output) => {
            print!("{output}");
            EXIT_PASS
        }
        Err(ExecError::BadInput(error)) => {
            eprintln!("zksim exec: {name}: {error}");
            EXIT_BAD_INPUT
        }
        Err(ExecError::Failed { output, message }) => {
            print!("{output}");
            eprintln!("zksim exec: {name}: the run failed:\n{message}");
            EXIT_FAIL
        }
    }
}

fn read(file: &PathBuf) -> std::io::Result<String> {
    if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        return Ok(text);
    }
    std::fs::read_to_string(file)
}
