//! A report's verdicts in words, each op named as the history recorded it:
//! client, session, server, times in ms, request and outcome.

use std::fmt::Write;

use super::engine::{Model, PartitionVerdict, Report};
use super::{translate, Translation};
use crate::history::History;

/// Explanation ops listed per partition before "… and N more".
const EXPLAINED_OPS_MAX: usize = 40;

/// The text of a report on `history` (the report `check_history` returned
/// for it): one paragraph per partition that is not linearizable or was not
/// decided, with the ops the explanation names.
pub fn explain(history: &History, report: &Report) -> String {
    // Translated again only to name a violation's operations.
    let violated = report
        .partitions
        .iter()
        .any(|partition| matches!(partition.verdict, PartitionVerdict::NotLinearizable { .. }));
    let translation = violated.then(|| translate(history));
    let mut text = String::new();
    let mut linearizable = 0usize;
    for partition in &report.partitions {
        match &partition.verdict {
            PartitionVerdict::Linearizable => linearizable += 1,
            PartitionVerdict::NotLinearizable { explanation } => {
                let _ = writeln!(text, "NOT LINEARIZABLE: {}", partition.name);
                for line in explanation.text.lines() {
                    let _ = writeln!(text, "  {line}");
                }
                for (shown, &op) in explanation.ops.iter().enumerate() {
                    if shown == EXPLAINED_OPS_MAX {
                        let more = explanation.ops.len() - shown;
                        let _ = writeln!(text, "  … and {more} more ops");
                        break;
                    }
                    let translation = translation.as_ref().expect("translated for a violation");
                    let _ = writeln!(text, "  {}", op_line(history, translation, op));
                }
            }
            PartitionVerdict::Unknown { reason } => {
                let _ = writeln!(
                    text,
                    "UNDECIDED: {} ({} ops, {} steps): {reason}",
                    partition.name, partition.ops, partition.steps
                );
            }
        }
    }
    let _ = writeln!(
        text,
        "{linearizable} of {} partitions linearizable",
        report.partitions.len()
    );
    text
}

/// `#12 client 3 session 0x101 on n2 [10.250ms..12.000ms] setData /k1 "v7" version=3 → BadVersion`
pub fn op_line(history: &History, translation: &Translation, op: usize) -> String {
    let Some(operation) = translation.ops.get(op) else {
        return format!("(no operation {op})");
    };
    let index = translation.history_index[op];
    let recorded = &history.ops[index];
    let ret = recorded.ret_us.map_or_else(|| "…".to_owned(), millis);
    let outcome = match &operation.output {
        Some(output) => translation.model.describe_output(output),
        None => "unknown".to_owned(),
    };
    format!(
        "#{index} client {} session {} on n{} [{}..{ret}] {} → {outcome}",
        recorded.client,
        recorded.session,
        recorded.node,
        millis(recorded.call_us),
        translation.model.describe_input(&operation.input),
    )
}

fn millis(us: u64) -> String {
    format!("{}.{:03}ms", us / 1000, us % 1000)
}
