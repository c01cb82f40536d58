//! How the tools show values: znode data (escaped UTF-8 or hex, shortened
//! unless asked for in full), txns and Stats, as text and as JSON values.
//! Zxids and session ids are hex strings ("0x100000003") in both: as JSON
//! numbers they would lose precision in most readers past 2^53.

use serde::Serialize;
use zksim_core::ids::{SessionId, Zxid};
use zksim_core::tree::Stat;
use zksim_core::txn::Txn;

/// Data values longer than this are shortened unless `--full` is given.
pub const DATA_SHOWN_BYTES: usize = 64;

/// A zxid as the tools print it.
pub fn zxid(zxid: Zxid) -> String {
    zxid.to_string()
}

/// A session id as the tools print it.
pub fn session(session: SessionId) -> String {
    session.to_string()
}

/// A data value: exactly one of `text` (it is UTF-8) and `hex` (it is not).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DataDump {
    /// The value's full length.
    pub bytes: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hex: Option<String>,
    /// Only the first `DATA_SHOWN_BYTES` bytes are shown.
    pub shortened: bool,
}

/// A data value for JSON: text when it is UTF-8 (cut at a char boundary), hex otherwise.
pub fn data(value: &[u8], full: bool) -> DataDump {
    let shown_max = if full { value.len() } else { DATA_SHOWN_BYTES };
    let (text, hex, shown) = match std::str::from_utf8(value) {
        Ok(text) => {
            let mut end = text.len().min(shown_max);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            (Some(text[..end].to_string()), None, end)
        }
        Err(_) => {
            let end = value.len().min(shown_max);
            (None, Some(hex_string(&value[..end])), end)
        }
    };
    assert!(shown <= value.len());
    DataDump {
        bytes: value.len(),
        text,
        hex,
        shortened: shown < value.len(),
    }
}

/// `"escaped text" (N bytes)` or `hex:0a1b (N bytes)`, with `…` when shortened.
pub fn data_text(value: &[u8], full: bool) -> String {
    let dump = data(value, full);
    let more = if dump.shortened { "…" } else { "" };
    let shown = match (&dump.text, &dump.hex) {
        (Some(text), _) => format!("\"{}{more}\"", text.escape_debug()),
        (None, Some(hex)) => format!("hex:{hex}{more}"),
        (None, None) => unreachable!("data() sets text or hex"),
    };
    format!("{shown} ({} bytes)", dump.bytes)
}

fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A Stat, field for field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatDump {
    pub czxid: String,
    pub mzxid: String,
    pub pzxid: String,
    pub ctime_ms: u64,
    pub mtime_ms: u64,
    pub version: i32,
    pub cversion: i32,
    pub aversion: i32,
    pub ephemeral_owner: String,
    pub data_length: u32,
    pub num_children: u32,
}

/// A Stat for JSON.
pub fn stat(stat: &Stat) -> StatDump {
    StatDump {
        czxid: zxid(stat.czxid),
        mzxid: zxid(stat.mzxid),
        pzxid: zxid(stat.pzxid),
        ctime_ms: stat.ctime_ms,
        mtime_ms: stat.mtime_ms,
        version: stat.version,
        cversion: stat.cversion,
        aversion: stat.aversion,
        ephemeral_owner: session(stat.ephemeral_owner),
        data_length: stat.data_length,
        num_children: stat.num_children,
    }
}

/// A Stat on one line, with ZooKeeper's field names.
pub fn stat_text(stat: &Stat) -> String {
    format!(
        "czxid {} mzxid {} pzxid {} ctime {} mtime {} version {} cversion {} aversion {} \
         ephemeralOwner {} dataLength {} numChildren {}",
        stat.czxid,
        stat.mzxid,
        stat.pzxid,
        stat.ctime_ms,
        stat.mtime_ms,
        stat.version,
        stat.cversion,
        stat.aversion,
        stat.ephemeral_owner,
        stat.data_length,
        stat.num_children
    )
}

/// An ephemeral removed by a closeSession.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EphemeralDump {
    pub path: String,
    pub parent_cversion: i32,
}

/// A txn, decoded. `type` names the variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum TxnDump {
    CreateSession {
        timeout_ms: u32,
    },
    CloseSession {
        ephemerals: Vec<EphemeralDump>,
    },
    Create {
        path: String,
        data: DataDump,
        /// "0x0" for a persistent node.
        ephemeral_owner: String,
        parent_cversion: i32,
    },
    Delete {
        path: String,
        parent_cversion: i32,
    },
    SetData {
        path: String,
        data: DataDump,
        version: i32,
    },
    Check {
        path: String,
    },
    Multi {
        ops: Vec<TxnDump>,
    },
    Error {
        code: &'static str,
        code_number: i32,
    },
    MultiError {
        results: Vec<&'static str>,
    },
}

/// A txn for JSON.
pub fn txn(txn: &Txn, full: bool) -> TxnDump {
    match txn {
        Txn::CreateSession { timeout_ms } => TxnDump::CreateSession {
            timeout_ms: *timeout_ms,
        },
        Txn::CloseSession { ephemerals } => TxnDump::CloseSession {
            ephemerals: ephemerals
                .iter()
                .map(|deletion| EphemeralDump {
                    path: deletion.path.clone(),
                    parent_cversion: deletion.parent_cversion,
                })
                .collect(),
        },
        Txn::Create {
            path,
            data: value,
            ephemeral_owner,
            parent_cversion,
        } => TxnDump::Create {
            path: path.clone(),
            data: data(value, full),
            ephemeral_owner: session(*ephemeral_owner),
            parent_cversion: *parent_cversion,
        },
        Txn::Delete {
            path,
            parent_cversion,
        } => TxnDump::Delete {
            path: path.clone(),
            parent_cversion: *parent_cversion,
        },
        Txn::SetData {
            path,
            data: value,
            version,
        } => TxnDump::SetData {
            path: path.clone(),
            data: data(value, full),
            version: *version,
        },
        Txn::Check { path } => TxnDump::Check { path: path.clone() },
        Txn::Multi(ops) => TxnDump::Multi {
            ops: ops.iter().map(|op| self::txn(op, full)).collect(),
        },
        Txn::Error { code } => TxnDump::Error {
            code: code.name(),
            code_number: code.code(),
        },
        Txn::MultiError { results } => TxnDump::MultiError {
            results: results.iter().map(|code| code.name()).collect(),
        },
    }
}

/// A txn in words: one line, then one indented line per op of a multi.
pub fn txn_text(txn: &Txn, full: bool) -> Vec<String> {
    let line = match txn {
        Txn::CreateSession { timeout_ms } => format!("createSession timeout {timeout_ms}ms"),
        Txn::CloseSession { ephemerals } if ephemerals.is_empty() => {
            "closeSession (no ephemerals)".to_string()
        }
        Txn::CloseSession { ephemerals } => {
            let deleted: Vec<String> = ephemerals
                .iter()
                .map(|d| format!("{} (parent cversion {})", d.path, d.parent_cversion))
                .collect();
            format!("closeSession, deleting ephemerals {}", deleted.join(", "))
        }
        Txn::Create {
            path,
            data,
            ephemeral_owner,
            parent_cversion,
        } => {
            let mode = if *ephemeral_owner == SessionId::NONE {
                "persistent".to_string()
            } else {
                format!("ephemeral of session {ephemeral_owner}")
            };
            let shown = data_text(data, full);
            format!("create {path} {mode} data {shown} (parent cversion {parent_cversion})")
        }
        Txn::Delete {
            path,
            parent_cversion,
        } => format!("delete {path} (parent cversion {parent_cversion})"),
        Txn::SetData {
            path,
            data,
            version,
        } => format!(
            "setData {path} data {} (version {version})",
            data_text(data, full)
        ),
        Txn::Check { path } => format!("check {path}"),
        Txn::Multi(ops) => {
            let mut lines = vec![format!("multi of {} ops:", ops.len())];
            for (index, op) in ops.iter().enumerate() {
                for line in txn_text(op, full) {
                    lines.push(format!("    {}. {line}", index + 1));
                }
            }
            return lines;
        }
        Txn::Error { code } => format!(
            "error {} ({}): a failed write, consumes the zxid and changes nothing",
            code.name(),
            code.code()
        ),
        Txn::MultiError { results } => {
            let names: Vec<&str> = results.iter().map(|code| code.name()).collect();
            format!("multi failed: {}", names.join(", "))
        }
    };
    vec![line]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_data_is_escaped_and_binary_data_is_hex() {
        assert_eq!(data_text(b"a\"b\n", false), "\"a\\\"b\\n\" (4 bytes)");
        assert_eq!(data_text(&[0xff, 0x00], false), "hex:ff00 (2 bytes)");
        assert_eq!(data_text(b"", false), "\"\" (0 bytes)");
    }

    #[test]
    fn long_data_is_shortened_unless_full() {
        let long = vec![b'x'; 100];
        let short = data(&long, false);
        assert!(short.shortened);
        assert_eq!(short.text.as_deref().map(str::len), Some(DATA_SHOWN_BYTES));
        assert_eq!(short.bytes, 100);
        let full = data(&long, true);
        assert!(!full.shortened);
        assert_eq!(full.text.as_deref().map(str::len), Some(100));
        assert!(data_text(&long, false).ends_with("…\" (100 bytes)"));
    }

    #[test]
    fn shortening_keeps_utf8_whole() {
        let text = "é".repeat(40); // 80 bytes, 2 per char
        let dump = data(text.as_bytes(), false);
        assert_eq!(dump.text.as_deref().map(str::len), Some(64));
        let odd = format!("x{text}"); // char boundaries fall on odd offsets
        let dump = data(odd.as_bytes(), false);
        assert_eq!(dump.text.as_deref().map(str::len), Some(63));
    }

    #[test]
    fn a_multi_lists_its_ops() {
        let multi = Txn::Multi(vec![
            Txn::Check { path: "/a".into() },
            Txn::Delete {
                path: "/a".into(),
                parent_cversion: 4,
            },
        ]);
        let lines = txn_text(&multi, false);
        assert_eq!(lines[0], "multi of 2 ops:");
        assert_eq!(lines[1], "    1. check /a");
        assert_eq!(lines[2], "    2. delete /a (parent cversion 4)");
        let json = serde_json::to_value(txn(&multi, false)).expect("serializes");
        assert_eq!(json["type"], "multi");
        assert_eq!(json["ops"][1]["type"], "delete");
    }
}
