//! The linearizability checker's speed: on histories of simulated runs (the `zk` model, through
//! `zkmodel::translate` and `lincheck::check`, as the end of every run checks them), and on the
//! external corpus of Porcupine's and knossos's histories (as `zksim check` checks each file).

use super::{scenarios, Sizes, Stopwatch};
use crate::lincheck::command::{self, CheckArgs, ModelName, EXIT_LINEARIZABLE};
use crate::lincheck::{self, Budget, Overall};
use crate::world::run_seed_with_history;
use crate::zkmodel;
use clap::ValueEnum;
use serde::Serialize;
use std::path::{Path, PathBuf};
use zksim_core::bugs::Bugs;

/// The seed of every simulated history.
const HISTORY_SEED: u64 = 1;

#[derive(Clone, Debug, Serialize)]
pub struct CheckerTimes {
    pub histories: Vec<HistoryTime>,
    pub corpus: CorpusTime,
}

/// One simulated history, checked with `zksim check`'s default budget.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryTime {
    /// How it was made: scenario, clients, requests per client, seed.
    pub source: String,
    /// Operations in the history (client requests, session opens and closes).
    pub history_ops: usize,
    /// Operations the checker searched (after translation; session ops repeat per partition).
    pub checked_ops: usize,
    pub partitions: usize,
    /// "linearizable", "not-linearizable" or "unknown".
    pub verdict: &'static str,
    pub translate_ms: f64,
    pub search_ms: f64,
    pub steps: u64,
    pub peak_cache_bytes: u64,
}

/// The external corpus, every history of its VERDICTS.tsv.
#[derive(Clone, Debug, Serialize)]
pub struct CorpusTime {
    /// Where it was looked for.
    pub path: String,
    pub present: bool,
    pub histories: usize,
    /// Histories whose verdict was the expected one.
    pub as_expected: usize,
    /// Reading, parsing, checking and (for violations) explaining every file.
    pub total_ms: f64,
    /// The slowest files, slowest first.
    pub slowest: Vec<FileTime>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FileTime {
    pub file: String,
    pub ms: f64,
}

pub fn run(sizes: &Sizes, progress: &mut dyn FnMut(&str)) -> CheckerTimes {
    let corpus = corpus();
    let histories = sizes
        .histories
        .iter()
        .map(|&(clients, ops_per_client)| {
            progress(&format!(
                "checker: a history of {clients} clients x {ops_per_client} requests"
            ));
            simulated(clients, ops_per_client)
        })
        .collect();
    CheckerTimes { histories, corpus }
}

fn simulated(clients: u32, ops_per_client: u32) -> HistoryTime {
    let scenario = scenarios::history(clients, ops_per_client);
    let (_, history) = run_seed_with_history(&scenario, HISTORY_SEED, Bugs::none(), None);
    let clock = Stopwatch::start();
    let translation = zkmodel::translate(&history);
    let translate_ms = clock.seconds() * 1e3;
    let clock = Stopwatch::start();
    let report = lincheck::check(&translation.model, &translation.ops, &Budget::DEFAULT);
    let search_ms = clock.seconds() * 1e3;
    HistoryTime {
        source: format!(
            "{}: {clients} clients x {ops_per_client} requests, seed {HISTORY_SEED}",
            scenario.name
        ),
        history_ops: history.ops.len(),
        checked_ops: translation.ops.len(),
        partitions: report.partitions.len(),
        verdict: match report.verdict() {
            Overall::Linearizable => "linearizable",
            Overall::NotLinearizable => "not-linearizable",
            Overall::Unknown => "unknown",
        },
        translate_ms,
        search_ms,
        steps: report.partitions.iter().map(|p| p.steps).sum(),
        peak_cache_bytes: report
            .partitions
            .iter()
            .map(|p| p.peak_cache_bytes)
            .max()
            .unwrap_or(0),
    }
}

/// The corpus beside the repository (`../shared/external-histories`), or in /work/shared.
fn corpus_path() -> PathBuf {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/external-histories");
    if beside.exists() {
        return beside;
    }
    PathBuf::from("/work/shared/external-histories")
}

fn corpus() -> CorpusTime {
    let path = corpus_path();
    let mut time = CorpusTime {
        path: path.display().to_string(),
        present: false,
        histories: 0,
        as_expected: 0,
        total_ms: 0.0,
        slowest: Vec::new(),
    };
    let Ok(table) = std::fs::read_to_string(path.join("VERDICTS.tsv")) else {
        return time; // absent: the table says so
    };
    time.present = true;
    let mut files = Vec::new();
    for line in table.lines().skip(1).filter(|line| !line.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let [file, _format, model, expected] = fields[..] else {
            continue;
        };
        let Ok(model) = ModelName::from_str(model, false) else {
            continue;
        };
        let clock = Stopwatch::start();
        let code = command::run(&quiet_args(path.join(file), model));
        let ms = clock.seconds() * 1e3;
        let got = if code == EXIT_LINEARIZABLE {
            "linearizable"
        } else if code == command::EXIT_NOT_LINEARIZABLE {
            "not-linearizable"
        } else {
            "other"
        };
        time.histories += 1;
        time.as_expected += usize::from(got == expected);
        time.total_ms += ms;
        files.push(FileTime {
            file: file.to_string(),
            ms,
        });
    }
    files.sort_by(|a, b| b.ms.total_cmp(&a.ms));
    files.truncate(5);
    time.slowest = files;
    time
}

/// `zksim check --model M FILE` with every default, printing nothing.
fn quiet_args(file: PathBuf, model: ModelName) -> CheckArgs {
    CheckArgs {
        file,
        model,
        format: None,
        max_steps: Budget::DEFAULT.max_steps,
        max_memory_mb: Budget::DEFAULT.max_cache_bytes >> 20,
        timeout_ms: None,
        initial: None,
        failed_cas: None,
        no_partition: false,
        json: false,
        quiet: true,
    }
}
