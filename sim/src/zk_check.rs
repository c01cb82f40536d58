//! `zksim check --model zk FILE`: checks a client history that zksim wrote
//! (`zksim replay --history FILE`, JSON lines: docs/ZK-HISTORY.md) against
//! ZooKeeper's guarantees, outside the run that recorded it.

use crate::lincheck::command::{
    bad_input, now, CheckArgs, FormatName, EXIT_LINEARIZABLE, EXIT_NOT_LINEARIZABLE, EXIT_UNKNOWN,
};
use crate::lincheck::{check_with_deadline, Overall, PartitionVerdict};
use crate::zkmodel;

pub fn run(args: &CheckArgs) -> u8 {
    let shown = args.file.display();
    if matches!(args.format, Some(FormatName::Edn | FormatName::JepsenLog)) {
        return bad_input("model zk reads zksim's JSON history files only (--format json)");
    }
    let text = match std::fs::read_to_string(&args.file) {
        Ok(text) => text,
        Err(error) => return bad_input(format!("cannot read {shown}: {error}")),
    };
    let history = match zkmodel::history_from_json(&text) {
        Ok(history) => history,
        Err(error) => return bad_input(format!("{shown}: {error}")),
    };
    let translation = zkmodel::translate(&history);
    let started = now();
    let deadline = args.deadline(started);
    let timed = check_with_deadline(
        &translation.model,
        &translation.ops,
        &args.budget(),
        deadline,
    );
    let elapsed = now() - started;
    let report = &timed.report;
    let verdict = match report.verdict() {
        Overall::Linearizable => "linearizable",
        Overall::NotLinearizable => "not linearizable",
        Overall::Unknown => "unknown within the budget",
    };
    if args.json {
        let partitions: Vec<serde_json::Value> = report
            .partitions
            .iter()
            .map(|partition| {
                let verdict = match &partition.verdict {
                    PartitionVerdict::Linearizable => "linearizable",
                    PartitionVerdict::NotLinearizable { .. } => "not-linearizable",
                    PartitionVerdict::Unknown { .. } => "unknown",
                };
                serde_json::json!({
                    "name": partition.name,
                    "ops": partition.ops,
                    "verdict": verdict,
                    "steps": partition.steps,
                    "peak_cache_bytes": partition.peak_cache_bytes,
                })
            })
            .collect();
        let json = serde_json::json!({
            "file": shown.to_string(),
            "model": "zk",
            "history_ops": history.ops.len(),
            "checked_ops": translation.ops.len(),
            "verdict": verdict,
            "partitions": partitions,
            "explanation": zkmodel::explain(&history, report),
            "seconds": elapsed.as_secs_f64(),
        });
        println!("{json}");
    } else {
        println!(
            "{shown}: model zk, {} history ops, {} checked in {} partitions",
            history.ops.len(),
            translation.ops.len(),
            report.partitions.len()
        );
        print!("{}", zkmodel::explain(&history, report));
        println!("verdict: {verdict} ({:.3} s)", elapsed.as_secs_f64());
    }
    match report.verdict() {
        Overall::Linearizable => EXIT_LINEARIZABLE,
        Overall::NotLinearizable => EXIT_NOT_LINEARIZABLE,
        Overall::Unknown => EXIT_UNKNOWN,
    }
}
