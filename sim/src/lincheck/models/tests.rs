//! Tests of the models on small histories read from EDN.

use super::{kv, multi_register, Unpartitioned};
use crate::lincheck::formats::read_history;
use crate::lincheck::{check, Budget, Overall, PartitionVerdict};

const BUDGET: Budget = Budget {
    max_steps: 100_000,
    max_cache_bytes: 16 << 20,
};

fn kv_verdicts(text: &str) -> (Overall, Vec<(String, bool)>) {
    let (model, ops) = kv::from_history(&read_history(text, None).expect("valid")).expect("kv");
    let report = check(&model, &ops, &BUDGET);
    let partitions = report
        .partitions
        .iter()
        .map(|p| (p.name.clone(), p.verdict == PartitionVerdict::Linearizable))
        .collect();
    (report.verdict(), partitions)
}

#[test]
fn kv_appends_concatenate_and_keys_are_partitions() {
    let ok = "{:process 0, :type :invoke, :f :get, :key \"b\", :value nil}\n\
              {:process 0, :type :ok, :f :get, :key \"b\", :value \"\"}\n\
              {:process 0, :type :invoke, :f :append, :key \"a\", :value \"x\"}\n\
              {:process 1, :type :invoke, :f :append, :key \"a\", :value \"y\"}\n\
              {:process 0, :type :ok, :f :append, :key \"a\", :value \"x\"}\n\
              {:process 1, :type :ok, :f :append, :key \"a\", :value \"y\"}\n\
              {:process 0, :type :invoke, :f :get, :key \"a\", :value nil}\n\
              {:process 0, :type :ok, :f :get, :key \"a\", :value \"yx\"}\n\
              {:process 1, :type :invoke, :f :put, :key \"b\", :value \"z\"}\n\
              {:process 1, :type :ok, :f :put, :key \"b\", :value \"z\"}\n";
    let (overall, partitions) = kv_verdicts(ok);
    assert_eq!(overall, Overall::Linearizable);
    assert_eq!(
        partitions,
        vec![
            ("key \"a\"".to_string(), true),
            ("key \"b\"".to_string(), true)
        ]
    );
    let stale = format!(
        "{ok}{{:process 0, :type :invoke, :f :get, :key \"b\", :value nil}}\n\
         {{:process 0, :type :ok, :f :get, :key \"b\", :value \"\"}}\n"
    );
    let (overall, partitions) = kv_verdicts(&stale);
    assert_eq!(overall, Overall::NotLinearizable);
    assert_eq!(
        partitions,
        vec![
            ("key \"a\"".to_string(), true),
            ("key \"b\"".to_string(), false)
        ]
    );
}

#[test]
fn kv_without_partitions_is_one_partition_with_the_same_verdict() {
    let text = "{:process 0, :type :invoke, :f :append, :key \"a\", :value \"x\"}\n\
                {:process 0, :type :ok, :f :append, :key \"a\", :value \"x\"}\n\
                {:process 0, :type :invoke, :f :get, :key \"b\", :value nil}\n\
                {:process 0, :type :ok, :f :get, :key \"b\", :value \"x\"}\n";
    let (model, ops) = kv::from_history(&read_history(text, None).expect("valid")).expect("kv");
    let whole = check(&Unpartitioned(model.clone()), &ops, &BUDGET);
    assert_eq!(whole.partitions.len(), 1);
    assert_eq!(whole.verdict(), Overall::NotLinearizable);
    assert_eq!(check(&model, &ops, &BUDGET).partitions.len(), 2);
}

#[test]
fn multi_register_transactions_are_atomic() {
    let txn = |process: u64, kind: &str, value: &str| {
        format!("{{:process {process}, :type :{kind}, :f :txn, :value {value}}}\n")
    };
    let write_both = "[[:write :x 1] [:write :y 1]]";
    let read_both = |x: &str, y: &str| format!("[[:read :x {x}] [:read :y {y}]]");
    let history = |x: &str, y: &str| {
        [
            txn(0, "invoke", write_both),
            txn(1, "invoke", &read_both("nil", "nil")),
            txn(1, "ok", &read_both(x, y)),
            txn(0, "ok", write_both),
            txn(2, "invoke", "[[:read :z nil]]"),
            txn(2, "ok", "[[:read :z 0]]"),
        ]
        .concat()
    };
    let verdict = |x: &str, y: &str| {
        let (model, ops) =
            multi_register::from_history(&read_history(&history(x, y), None).expect("valid"))
                .expect("multi-register");
        let report = check(&model, &ops, &BUDGET);
        let names: Vec<String> = report.partitions.iter().map(|p| p.name.clone()).collect();
        assert_eq!(names, vec!["registers x,y", "registers z"]);
        report.verdict()
    };
    assert_eq!(verdict("0", "0"), Overall::Linearizable);
    assert_eq!(verdict("1", "1"), Overall::Linearizable);
    assert_eq!(verdict("1", "nil"), Overall::Linearizable, "nil is unknown");
    assert_eq!(
        verdict("1", "0"),
        Overall::NotLinearizable,
        "half a transaction"
    );
}
