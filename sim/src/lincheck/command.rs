//! `zksim check --model M FILE`: is a recorded history linearizable?
//!
//! Exit codes: 0 linearizable, 1 not linearizable, 2 bad input, 3 unknown within the budget.
//! Adding a model is one arm in [`run`].

use super::formats::{read_history, Format, History};
use super::model::Model;
use super::models::register::{FailedCas, Flavor, RegisterOptions};
use super::models::{kv, multi_register, register, Built, Unpartitioned};
use super::render::{render_json, render_text, Rendered};
use super::report::{Budget, Overall};
use super::{check_with_deadline, TimedReport};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub const EXIT_LINEARIZABLE: u8 = 0;
pub const EXIT_NOT_LINEARIZABLE: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;
pub const EXIT_UNKNOWN: u8 = 3;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The history file (Jepsen EDN, a Jepsen log, or JSON: see docs/HISTORY-FORMAT.md).
    pub file: PathBuf,
    /// The sequential model to check against.
    #[arg(long, value_enum)]
    pub model: ModelName,
    /// The file's format [default: detected from its content].
    #[arg(long, value_enum)]
    pub format: Option<FormatName>,
    /// Steps per partition (a model step or a backtrack); explaining a violation may take as many again.
    #[arg(long, default_value_t = Budget::DEFAULT.max_steps)]
    pub max_steps: u64,
    /// Approximate memory for each partition's search cache, in MiB.
    #[arg(long, default_value_t = Budget::DEFAULT.max_cache_bytes >> 20)]
    pub max_memory_mb: u64,
    /// Stop after this much wall time (then the verdict is unknown, exit 3).
    #[arg(long)]
    pub timeout_ms: Option<u64>,
    /// Registers' initial value, an integer or nil [default: nil for Jepsen logs (Porcupine's
    /// etcd histories), 0 otherwise (knossos)].
    #[arg(long, value_parser = parse_initial)]
    pub initial: Option<Initial>,
    /// What a `:fail`ed cas means [default: compare-failed for Jepsen logs (etcd's reply, as
    /// Porcupine reads them), did-not-happen otherwise (Jepsen's convention)].
    #[arg(long, value_enum)]
    pub failed_cas: Option<FailedCasName>,
    /// Check the whole history as one partition, as checkers without P-compositionality do.
    #[arg(long)]
    pub no_partition: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print nothing (`zksim bench` times whole checks through here).
    #[arg(skip)]
    pub quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelName {
    /// Read and write an integer register.
    Register,
    /// Read, write and compare-and-set an integer register.
    CasRegister,
    /// Get, put and append strings by key (one partition per key).
    Kv,
    /// Transactions of reads and writes over named registers, initially 0.
    MultiRegister,
    /// ZooKeeper's data tree and client guarantees, on a history written by `zksim replay --history`.
    Zk,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatName {
    /// Jepsen EDN: one vector of op maps, or one op map per line.
    Edn,
    /// Jepsen console log lines (`INFO  jepsen.util - 3 :invoke :cas [3 0]`).
    JepsenLog,
    /// JSON Lines or a JSON array of op objects.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailedCasName {
    /// The cas did not take effect and says nothing more (Jepsen's convention).
    DidNotHappen,
    /// The register did not hold the expected value (etcd's compare failure).
    CompareFailed,
}

/// A register's initial value; None is nil.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Initial(pub Option<i64>);

pub fn parse_initial(text: &str) -> Result<Initial, String> {
    match text.trim() {
        "nil" | "null" => Ok(Initial(None)),
        number => number
            .parse::<i64>()
            .map(|value| Initial(Some(value)))
            .map_err(|_| format!("`{text}` is neither an integer nor nil")),
    }
}

/// What a run needs besides the model and its operations.
struct Context<'a> {
    args: &'a CheckArgs,
    history: &'a History,
}

pub fn run(args: &CheckArgs) -> u8 {
    if matches!(args.model, ModelName::Zk) {
        return crate::zk_check::run(args); // zksim's own history files
    }
    let history = match load(args) {
        Ok(history) => history,
        Err(message) => return bad_input(message),
    };
    let context = Context {
        args,
        history: &history,
    };
    match args.model {
        ModelName::Register => checked(
            &context,
            register::from_history(&history, register_options(args, &history, Flavor::Plain)),
        ),
        ModelName::CasRegister => checked(
            &context,
            register::from_history(&history, register_options(args, &history, Flavor::Cas)),
        ),
        ModelName::Kv => checked(&context, kv::from_history(&history)),
        ModelName::MultiRegister => checked(&context, multi_register::from_history(&history)),
        ModelName::Zk => unreachable!("dispatched above"),
    }
}

fn load(args: &CheckArgs) -> Result<History, String> {
    let shown = args.file.display();
    let text = std::fs::read_to_string(&args.file)
        .map_err(|error| format!("cannot read {shown}: {error}"))?;
    let format = args.format.map(|name| match name {
        FormatName::Edn => Format::Edn,
        FormatName::JepsenLog => Format::JepsenLog,
        FormatName::Json => Format::Json,
    });
    read_history(&text, format).map_err(|error| format!("{shown}: {error}"))
}

fn register_options(args: &CheckArgs, history: &History, flavor: Flavor) -> RegisterOptions {
    let from_log = history.format == Format::JepsenLog;
    let initial = args
        .initial
        .unwrap_or(Initial(if from_log { None } else { Some(0) }));
    let failed_cas = match args.failed_cas {
        Some(FailedCasName::DidNotHappen) => FailedCas::DidNotHappen,
        Some(FailedCasName::CompareFailed) => FailedCas::CompareFailed,
        None if from_log => FailedCas::CompareFailed,
        None => FailedCas::DidNotHappen,
    };
    RegisterOptions {
        flavor,
        initial: initial.0,
        failed_cas,
    }
}

impl CheckArgs {
    /// The deterministic limits the options ask for.
    pub fn budget(&self) -> Budget {
        Budget {
            max_steps: self.max_steps,
            max_cache_bytes: self.max_memory_mb.saturating_mul(1 << 20),
        }
    }

    /// The wall-clock deadline `--timeout-ms` sets, counted from `started`.
    pub fn deadline(&self, started: Instant) -> Option<Instant> {
        self.timeout_ms
            .map(|ms| started + Duration::from_millis(ms))
    }
}

pub(crate) fn bad_input(message: impl std::fmt::Display) -> u8 {
    eprintln!("zksim check: {message}");
    EXIT_BAD_INPUT
}

/// Checks what a model made of the history, prints the report, and returns the exit code.
fn checked<M: Model>(context: &Context<'_>, built: Built<M>) -> u8 {
    let (model, ops) = match built {
        Ok(built) => built,
        Err(error) => return bad_input(format!("{}: {error}", context.args.file.display())),
    };
    let args = context.args;
    let budget = args.budget();
    let started = now();
    let deadline = args.deadline(started);
    let timed: TimedReport = if args.no_partition {
        let model = Unpartitioned(model);
        check_with_deadline(&model, &ops, &budget, deadline)
    } else {
        check_with_deadline(&model, &ops, &budget, deadline)
    };
    let rendered = Rendered {
        file: &args.file,
        model: args
            .model
            .to_possible_value()
            .expect("no skipped variants")
            .get_name()
            .to_string(),
        history: context.history,
        ops: ops.len(),
        timed: &timed,
        elapsed: now() - started,
    };
    match (args.quiet, args.json) {
        (true, _) => {}
        (false, true) => println!("{}", render_json(&rendered)),
        (false, false) => print!("{}", render_text(&rendered)),
    }
    match timed.report.verdict() {
        Overall::Linearizable => EXIT_LINEARIZABLE,
        Overall::NotLinearizable => EXIT_NOT_LINEARIZABLE,
        Overall::Unknown => EXIT_UNKNOWN,
    }
}

#[allow(clippy::disallowed_methods)] // the command line's timings and deadline, never a simulation
pub(crate) fn now() -> Instant {
    Instant::now()
}
