//! Tests of reading history files: detection, pairing, and errors that name the line.

use super::{detect, read_history, Completion, Format};
use crate::lincheck::models::register::{self, FailedCas, Flavor, RegisterOptions};
use crate::lincheck::models::{kv, multi_register};

const CAS: RegisterOptions = RegisterOptions {
    flavor: Flavor::Cas,
    initial: Some(0),
    failed_cas: FailedCas::DidNotHappen,
};

#[test]
fn formats_are_detected_from_content() {
    let cases = [
        ("[{:process 1, :type :invoke, :f :read}]", Format::Edn),
        (
            "; comment\n(\n{:process 1 :type :invoke :f :read})",
            Format::Edn,
        ),
        ("{:process 1, :type :invoke, :f :read}\n", Format::Edn),
        (
            "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n",
            Format::Json,
        ),
        (
            "[\n  {\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n]",
            Format::Json,
        ),
        (
            "INFO  jepsen.util - 3\t:invoke\t:read\tnil\n",
            Format::JepsenLog,
        ),
        ("", Format::Edn),
    ];
    for (text, format) in cases {
        assert_eq!(detect(text), Ok(format), "{text:?}");
    }
    let error = detect("hello\nworld\n").unwrap_err().to_string();
    assert!(error.contains("--format"), "{error}");
}

#[test]
fn the_three_syntaxes_read_the_same_history() {
    let edn = "[{:process 0, :type :invoke, :f :write, :value 3}\n\
               {:process :nemesis, :type :info, :f :start, :value nil}\n\
               {:process 0, :type :ok, :f :write, :value 3}\n\
               {:process 1, :type :invoke, :f :cas, :value [3 4]}]";
    let json = "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":3}\n\
                {\"process\":\"nemesis\",\"type\":\"info\",\"f\":\"start\"}\n\
                {\"process\":0,\"type\":\"ok\",\"f\":\"write\",\"value\":3}\n\
                {\"process\":1,\"type\":\"invoke\",\"f\":\"cas\",\"value\":[3,4]}\n";
    let log = "INFO  jepsen.util - 0\t:invoke\t:write\t3\n\
               INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n\
               INFO  jepsen.util - 0\t:ok\t:write\t3\n\
               INFO  jepsen.util - 1\t:invoke\t:cas\t[3 4]\n";
    for text in [edn, json, log] {
        let history = read_history(text, None).expect(text);
        assert_eq!(history.ignored, 1, "{text}");
        let (_, ops) = register::from_history(&history, CAS).expect(text);
        assert_eq!(ops.len(), 2);
        assert_eq!((ops[0].call, ops[0].ret), (0, Some(1)));
        assert_eq!((ops[1].call, ops[1].ret), (2, None));
        assert!(matches!(history.ops[1].completion, Completion::Missing));
    }
}

#[test]
fn failed_operations_are_dropped_and_info_is_unknown() {
    let edn = "[{:process 0, :type :invoke, :f :write, :value 1}\n\
               {:process 0, :type :fail, :f :write, :value 1}\n\
               {:process 1, :type :invoke, :f :cas, :value [0 2]}\n\
               {:process 1, :type :fail, :f :cas, :value [0 2]}\n\
               {:process 2, :type :invoke, :f :write, :value 5}\n\
               {:process 2, :type :info, :f :write, :value 5}]";
    let history = read_history(edn, None).expect("valid");
    let (_, ops) = register::from_history(&history, CAS).expect("valid");
    assert_eq!(ops.len(), 1);
    assert_eq!((ops[0].ret, ops[0].output), (None, None));
    let strict = RegisterOptions {
        failed_cas: FailedCas::CompareFailed,
        ..CAS
    };
    let (_, ops) = register::from_history(&history, strict).expect("valid");
    assert_eq!(ops.len(), 2, "the failed cas is a result");
}

#[test]
fn nil_reads_are_unknown_unless_nil_is_a_value() {
    let edn = "[{:process 0, :type :invoke, :f :read, :value nil}\n\
               {:process 0, :type :ok, :f :read, :value nil}]";
    let history = read_history(edn, None).expect("valid");
    let (_, ops) = register::from_history(&history, CAS).expect("valid");
    assert_eq!(ops[0].output, None);
    let nil_initial = RegisterOptions {
        initial: None,
        ..CAS
    };
    let (_, ops) = register::from_history(&history, nil_initial).expect("valid");
    assert_eq!(ops[0].output, Some(register::RegisterOutput::Value(None)));
}

/// `(file, expected error)`: the file read as EDN with the CAS register.
fn register_errors() -> Vec<(&'static str, &'static str)> {
    vec![
        ("[1]", "line 1: expected an operation map, found an integer"),
        (
            "[{:type :invoke, :f :read}]",
            "line 1: missing field `process`",
        ),
        ("[{:process 1, :f :read}]", "line 1: missing field `type`"),
        ("[{:process 1, :type :invoke}]", "line 1: missing field `f`"),
        (
            "[{:process -1, :type :invoke, :f :read}]",
            "line 1: process -1 is negative",
        ),
        (
            "[{:process 1, :type :begin, :f :read}]",
            "line 1: type must be invoke, ok, fail or info",
        ),
        (
            "[{:process 1, :type :invoke, :f 5}]",
            "line 1: f must be a name, found 5",
        ),
        (
            "[{:process 1, :process 2, :type :invoke, :f :read}]",
            "line 1: field `process` appears twice",
        ),
        (
            "[{:process 1 :type :invoke :f :read}\n{:process 1 :type :invoke :f :read}]",
            "line 2: process 1 invokes :read while",
        ),
        (
            "[{:process 1 :type :ok :f :read :value 1}]",
            "line 1: process 1 completes :read (ok) but has no open invocation",
        ),
        (
            "[{:process 1 :type :invoke :f :read}\n\n{:process 1 :type :ok :f :write}]",
            "line 3: process 1 completes :write but invoked :read at line 1",
        ),
        (
            "[{:process 1 :type :invoke :f :write :value \"x\"}]",
            "line 1: :write needs an integer value, found \"x\"",
        ),
        (
            "[{:process 1 :type :invoke :f :cas :value [1]}]",
            "line 1: :cas needs [expected new] integers, found [1]",
        ),
        (
            "[{:process 1 :type :invoke :f :read}\n{:process 1 :type :ok :f :read :value :x}]",
            "line 2: :read read an integer or nil, not :x",
        ),
        (
            "[{:process 1 :type :invoke :f :incr}]",
            "line 1: :incr is not a register operation",
        ),
        (
            "[{:process 1 :type :invoke :f :read}",
            "line 1, column 1: the history's `[` is never closed",
        ),
    ]
}

#[test]
fn malformed_edn_is_an_error_naming_the_line() {
    for (text, expected) in register_errors() {
        let error = read_history(text, Some(Format::Edn))
            .and_then(|history| register::from_history(&history, CAS).map(|_| ()))
            .expect_err(text)
            .to_string();
        assert!(
            error.starts_with(expected),
            "{text:?}:\n  {error}\n  expected {expected}"
        );
    }
}

#[test]
fn malformed_json_and_logs_are_errors_naming_the_line() {
    let cases = [
        (
            "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}\n[1]\n",
            Format::Json,
            "line 2: expected an operation map",
        ),
        (
            "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"\n",
            Format::Json,
            "line 2, column 1: EOF while parsing",
        ),
        (
            "{\"process\":1.5,\"type\":\"invoke\",\"f\":\"read\"}",
            Format::Json,
            "line 1: process must be an integer",
        ),
        (
            "INFO  jepsen.util - 3\t:invoke\t:cas\t[3 0\n",
            Format::JepsenLog,
            "line 1, column 36: `[` is never closed",
        ),
        (
            "x\nINFO  jepsen.util - 3\t:ok\t:read\t1\n",
            Format::JepsenLog,
            "line 2: process 3 completes :read (ok)",
        ),
    ];
    for (text, format, expected) in cases {
        let error = read_history(text, Some(format))
            .expect_err(text)
            .to_string();
        assert!(
            error.starts_with(expected),
            "{text:?}:\n  {error}\n  expected {expected}"
        );
    }
}

#[test]
fn model_errors_name_the_line() {
    let plain = RegisterOptions {
        flavor: Flavor::Plain,
        ..CAS
    };
    let history =
        read_history("\n[{:process 1 :type :invoke :f :cas :value [1 2]}]", None).expect("valid");
    let error = register::from_history(&history, plain)
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "line 2: :cas is not an operation of a plain register (use cas-register)"
    );
    let history = read_history("{:process 1 :type :invoke :f :get}", None).expect("valid");
    let error = kv::from_history(&history).unwrap_err().to_string();
    assert_eq!(error, "line 1: :get needs a `key` field");
    let history = read_history(
        "{:process 1 :type :invoke :f :put :key \"k\" :value 3}",
        None,
    )
    .expect("valid");
    let error = kv::from_history(&history).unwrap_err().to_string();
    assert_eq!(error, "line 1: :put needs a string value, found 3");
    let history = read_history(
        "{:process 1 :type :invoke :f :txn :value [[:read :x]]}",
        None,
    )
    .expect("valid");
    let error = multi_register::from_history(&history)
        .unwrap_err()
        .to_string();
    assert_eq!(error, "line 1: :txn has a malformed micro-op [:read :x]");
    let txn = "{:process 1 :type :invoke :f :txn :value [[:read :x nil]]}\n\
               {:process 1 :type :ok :f :txn :value [[:read :x 1] [:read :y 2]]}";
    let history = read_history(txn, None).expect("valid");
    let error = multi_register::from_history(&history)
        .unwrap_err()
        .to_string();
    assert_eq!(error, "line 2: :txn completes with 2 micro-ops, invoked 1");
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    const SAMPLES: [&str; 3] = [
        "[{:process 0, :type :invoke, :f :cas, :value [1 2], :key \"k\"}\n\
         {:process 0, :type :ok, :f :cas, :value [1 2]} ; done\n\
         {:process 1 :type :invoke :f :txn :value [[:read :x nil] [:write :y 2]]}\n\
         {:process 1 :type :ok :f :txn :value [[:read :x 1] [:write :y 2]] :s #{\"\\u0041\"} :n 2N}\n\
         {:process 2 :type :invoke :f :append :key \"k\" :value \"v\"} #_ 1.5]\n",
        "{\"process\": 1, \"type\": \"invoke\", \"f\": \"txn\", \"value\": [[\"read\", \"x\", null]]}\n\
         {\"process\": 1, \"type\": \"ok\", \"f\": \"txn\", \"value\": [[\"read\", \"x\", 3]]}\n\
         {\"process\": 2, \"type\": \"invoke\", \"f\": \"get\", \"key\": \"k\"}\n",
        "INFO  jepsen.util - 3\t:invoke\t:write\t4\n\
         INFO  jepsen.util - 3\t:ok\t:write\t4\n\
         INFO  jepsen.util - 1\t:invoke\t:cas\t[4 5]\n\
         INFO  jepsen.util - 1\t:fail\t:cas\t[4 5]\n",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        /// Any cut, splice or byte of garbage in a history is an error or a history, never a
        /// panic, in every format and for every model.
        #[test]
        fn mangled_histories_are_errors_not_panics(
            index in 0..3usize,
            cut in 0..1000usize,
            insert in "[\\[\\](){}\":;#\\\\ a-z0-9\n\t-]{0,4}",
            detect in any::<bool>(),
        ) {
            let sample = SAMPLES[index];
            let cut = cut % (sample.len() + 1);
            let mut text = sample.as_bytes()[..cut].to_vec();
            text.extend_from_slice(insert.as_bytes());
            text.extend_from_slice(&sample.as_bytes()[cut..]);
            let text = String::from_utf8_lossy(&text);
            let format = [Format::Edn, Format::Json, Format::JepsenLog][index];
            if let Ok(history) = read_history(&text, (!detect).then_some(format)) {
                let _ = register::from_history(&history, CAS);
                let _ = kv::from_history(&history);
                let _ = multi_register::from_history(&history);
            }
        }

        /// The unmangled samples are valid.
        #[test]
        fn the_samples_read(sample in 0..3usize) {
            prop_assert!(read_history(SAMPLES[sample], None).is_ok());
        }
    }
}
