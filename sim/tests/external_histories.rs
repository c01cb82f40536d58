//! Every history of the external corpus (../shared/external-histories: Porcupine's etcd and kv
//! logs, knossos's CAS and multi-register histories) gets the verdict its own project's tests
//! expect, from `zksim check` with its default settings. An unknown verdict is a mismatch.

use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/external-histories")
}

/// One row of VERDICTS.tsv: file, format, model, expected verdict.
struct Row {
    file: String,
    model: String,
    expected: String,
}

fn rows(corpus: &Path) -> Vec<Row> {
    let table =
        std::fs::read_to_string(corpus.join("VERDICTS.tsv")).expect("VERDICTS.tsv is readable");
    table
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 4, "a row of four fields: {line}");
            Row {
                file: fields[0].to_string(),
                model: fields[2].to_string(),
                expected: fields[3].to_string(),
            }
        })
        .collect()
}

/// The verdict `zksim check` gives, from its exit code.
fn verdict(corpus: &Path, row: &Row) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_zksim"))
        .args(["check", "--model", &row.model])
        .arg(corpus.join(&row.file))
        .output()
        .expect("zksim runs");
    match output.status.code() {
        Some(0) => "linearizable".to_string(),
        Some(1) => "not-linearizable".to_string(),
        code => format!(
            "exit {code:?}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ),
    }
}

#[test]
fn every_external_history_gets_its_expected_verdict() {
    let corpus = corpus();
    if !corpus.join("VERDICTS.tsv").exists() {
        println!(
            "note: {} is absent; skipping the external histories",
            corpus.display()
        );
        return;
    }
    let rows = rows(&corpus);
    assert_eq!(
        rows.len(),
        229,
        "the corpus has 229 histories with verdicts"
    );
    let mismatches: Vec<String> = rows
        .iter()
        .filter_map(|row| {
            let got = verdict(&corpus, row);
            (got != row.expected)
                .then(|| format!("{}: expected {}, got {got}", row.file, row.expected))
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
