//! Transactions: the deterministic, replayable effect of one write.
//!
//! A txn carries absolute values (new versions, new parent cversions), never
//! increments, so that replaying it over a fuzzy snapshot is idempotent.

use crate::codec::{DecodeError, Reader, Writer, MAX_DATA_BYTES, MAX_LIST_ITEMS, MAX_PATH_BYTES};
use crate::ids::{SessionId, Zxid};
use crate::tree::{validate_path, ErrorCode};

/// Who issued a txn, when, and its place in the total order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TxnHeader {
    pub session: SessionId,
    /// The client's request counter (0 for server-initiated txns).
    pub cxid: u32,
    pub zxid: Zxid,
    /// The leader's clock when the txn was prepared (ctime/mtime come from it).
    pub time_ms: u64,
}

/// An ephemeral node removed by closeSession, with its parent's new cversion.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EphemeralDeletion {
    pub path: String,
    pub parent_cversion: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Txn {
    /// The session id is the header's `session`.
    CreateSession {
        timeout_ms: u32,
    },
    /// Closes the header's session and deletes every ephemeral it owned.
    CloseSession {
        ephemerals: Vec<EphemeralDeletion>,
    },
    Create {
        path: String,
        data: Vec<u8>,
        ephemeral_owner: SessionId,
        parent_cversion: i32,
    },
    Delete {
        path: String,
        parent_cversion: i32,
    },
    SetData {
        path: String,
        data: Vec<u8>,
        version: i32,
    },
    /// A successful `check` inside a multi: no effect.
    Check {
        path: String,
    },
    /// All of these, atomically, at one zxid.
    Multi(Vec<Txn>),
    /// A write that failed validation: consumes a zxid, changes nothing.
    Error {
        code: ErrorCode,
    },
    /// A multi that failed: `Ok` for ops before the failing one, its error, then `RuntimeInconsistency`.
    MultiError {
        results: Vec<ErrorCode>,
    },
}

// Binary forms. A txn is a u8 tag and its fields; lengths are bounded and
// paths validated, so decoding arbitrary bytes is an error, never a panic.
const TAG_CREATE_SESSION: u8 = 1;
const TAG_CLOSE_SESSION: u8 = 2;
const TAG_CREATE: u8 = 3;
const TAG_DELETE: u8 = 4;
const TAG_SET_DATA: u8 = 5;
const TAG_CHECK: u8 = 6;
const TAG_MULTI: u8 = 7;
const TAG_ERROR: u8 = 8;
const TAG_MULTI_ERROR: u8 = 9;

/// Bytes in an encoded header: session u64, cxid u32, zxid u64, time u64.
pub const TXN_HEADER_BYTES: usize = 8 + 4 + 8 + 8;

impl TxnHeader {
    pub fn encode(&self, w: &mut Writer<'_>) {
        let start = w.len();
        w.u64(self.session.0);
        w.u32(self.cxid);
        w.u64(self.zxid.0);
        w.u64(self.time_ms);
        assert_eq!(w.len() - start, TXN_HEADER_BYTES);
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<TxnHeader, DecodeError> {
        Ok(TxnHeader {
            session: SessionId(r.u64()?),
            cxid: r.u32()?,
            zxid: Zxid(r.u64()?),
            time_ms: r.u64()?,
        })
    }
}

impl Txn {
    pub fn encode(&self, w: &mut Writer<'_>) {
        match self {
            Txn::CreateSession { timeout_ms } => {
                w.u8(TAG_CREATE_SESSION);
                w.u32(*timeout_ms);
            }
            Txn::CloseSession { ephemerals } => {
                w.u8(TAG_CLOSE_SESSION);
                encode_count(w, ephemerals.len());
                for deletion in ephemerals {
                    w.str(&deletion.path);
                    w.i32(deletion.parent_cversion);
                }
            }
            Txn::Multi(txns) => {
                w.u8(TAG_MULTI);
                encode_count(w, txns.len());
                for txn in txns {
                    assert!(
                        txn.is_multi_op(),
                        "a multi holds only create/delete/setData/check"
                    );
                    txn.encode(w);
                }
            }
            Txn::Error { code } => {
                w.u8(TAG_ERROR);
                w.i32(code.code());
            }
            Txn::MultiError { results } => {
                w.u8(TAG_MULTI_ERROR);
                encode_count(w, results.len());
                for code in results {
                    w.i32(code.code());
                }
            }
            Txn::Create { .. } | Txn::Delete { .. } | Txn::SetData { .. } | Txn::Check { .. } => {
                self.encode_multi_op(w)
            }
        }
    }

    /// True for the txns allowed inside a `Multi`.
    pub fn is_multi_op(&self) -> bool {
        matches!(
            self,
            Txn::Create { .. } | Txn::Delete { .. } | Txn::SetData { .. } | Txn::Check { .. }
        )
    }

    fn encode_multi_op(&self, w: &mut Writer<'_>) {
        match self {
            Txn::Create {
                path,
                data,
                ephemeral_owner,
                parent_cversion,
            } => {
                w.u8(TAG_CREATE);
                w.str(path);
                w.bytes(data);
                w.u64(ephemeral_owner.0);
                w.i32(*parent_cversion);
            }
            Txn::Delete {
                path,
                parent_cversion,
            } => {
                w.u8(TAG_DELETE);
                w.str(path);
                w.i32(*parent_cversion);
            }
            Txn::SetData {
                path,
                data,
                version,
            } => {
                w.u8(TAG_SET_DATA);
                w.str(path);
                w.bytes(data);
                w.i32(*version);
            }
            Txn::Check { path } => {
                w.u8(TAG_CHECK);
                w.str(path);
            }
            _ => unreachable!("encode_multi_op: {self:?} is not a multi op"),
        }
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<Txn, DecodeError> {
        let at = r.position();
        match r.u8()? {
            TAG_CREATE_SESSION => Ok(Txn::CreateSession {
                timeout_ms: r.u32()?,
            }),
            TAG_CLOSE_SESSION => {
                let count = r.count(MAX_LIST_ITEMS)?;
                let mut ephemerals = Vec::new();
                for _ in 0..count {
                    let path = decode_path(r)?;
                    ephemerals.push(EphemeralDeletion {
                        path,
                        parent_cversion: r.i32()?,
                    });
                }
                Ok(Txn::CloseSession { ephemerals })
            }
            TAG_MULTI => {
                let count = r.count(MAX_LIST_ITEMS)?;
                let mut txns = Vec::new();
                for _ in 0..count {
                    let sub_at = r.position();
                    let tag = r.u8()?;
                    txns.push(decode_multi_op(r, tag).ok_or(DecodeError::InvalidTag {
                        at: sub_at,
                        what: "multi op",
                        tag: u32::from(tag),
                    })??);
                }
                Ok(Txn::Multi(txns))
            }
            TAG_ERROR => Ok(Txn::Error {
                code: decode_error_code(r)?,
            }),
            TAG_MULTI_ERROR => {
                let count = r.count(MAX_LIST_ITEMS)?;
                let mut results = Vec::new();
                for _ in 0..count {
                    results.push(decode_error_code(r)?);
                }
                Ok(Txn::MultiError { results })
            }
            tag => decode_multi_op(r, tag).unwrap_or(Err(DecodeError::InvalidTag {
                at,
                what: "txn",
                tag: u32::from(tag),
            })),
        }
    }
}

/// The body of a create/delete/setData/check, or `None` for any other tag.
fn decode_multi_op(r: &mut Reader<'_>, tag: u8) -> Option<Result<Txn, DecodeError>> {
    let decode = |r: &mut Reader<'_>| -> Result<Txn, DecodeError> {
        match tag {
            TAG_CREATE => Ok(Txn::Create {
                path: decode_path(r)?,
                data: r.bytes(MAX_DATA_BYTES)?.to_vec(),
                ephemeral_owner: SessionId(r.u64()?),
                parent_cversion: r.i32()?,
            }),
            TAG_DELETE => Ok(Txn::Delete {
                path: decode_path(r)?,
                parent_cversion: r.i32()?,
            }),
            TAG_SET_DATA => Ok(Txn::SetData {
                path: decode_path(r)?,
                data: r.bytes(MAX_DATA_BYTES)?.to_vec(),
                version: r.i32()?,
            }),
            _ => Ok(Txn::Check {
                path: decode_path(r)?,
            }),
        }
    };
    match tag {
        TAG_CREATE | TAG_DELETE | TAG_SET_DATA | TAG_CHECK => Some(decode(r)),
        _ => None,
    }
}

fn encode_count(w: &mut Writer<'_>, count: usize) {
    assert!(
        count <= MAX_LIST_ITEMS,
        "list of {count} items exceeds MAX_LIST_ITEMS"
    );
    w.u32(count as u32);
}

fn decode_path(r: &mut Reader<'_>) -> Result<String, DecodeError> {
    let at = r.position();
    let path = r.string(MAX_PATH_BYTES)?;
    match validate_path(&path) {
        Ok(()) => Ok(path),
        Err(_) => Err(DecodeError::Invalid {
            at,
            what: "txn path",
        }),
    }
}

fn decode_error_code(r: &mut Reader<'_>) -> Result<ErrorCode, DecodeError> {
    let at = r.position();
    let code = r.i32()?;
    ErrorCode::from_code(code).ok_or(DecodeError::InvalidTag {
        at,
        what: "error code",
        tag: code as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CODES: [ErrorCode; 10] = ErrorCode::ALL;

    fn arb_path() -> impl Strategy<Value = String> {
        "(/[a-z0-9]{1,5}){1,3}"
    }

    fn arb_data() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>(), 0..24)
    }

    fn arb_code() -> impl Strategy<Value = ErrorCode> {
        proptest::sample::select(CODES.to_vec())
    }

    fn arb_multi_op() -> impl Strategy<Value = Txn> {
        prop_oneof![
            (arb_path(), arb_data(), any::<u64>(), any::<i32>()).prop_map(
                |(path, data, owner, parent_cversion)| {
                    Txn::Create {
                        path,
                        data,
                        ephemeral_owner: SessionId(owner),
                        parent_cversion,
                    }
                }
            ),
            (arb_path(), any::<i32>()).prop_map(|(path, parent_cversion)| Txn::Delete {
                path,
                parent_cversion
            }),
            (arb_path(), arb_data(), any::<i32>()).prop_map(|(path, data, version)| Txn::SetData {
                path,
                data,
                version
            }),
            arb_path().prop_map(|path| Txn::Check { path }),
        ]
    }

    fn arb_txn() -> impl Strategy<Value = Txn> {
        prop_oneof![
            any::<u32>().prop_map(|timeout_ms| Txn::CreateSession { timeout_ms }),
            proptest::collection::vec((arb_path(), any::<i32>()), 0..4).prop_map(|list| {
                Txn::CloseSession {
                    ephemerals: list
                        .into_iter()
                        .map(|(path, parent_cversion)| EphemeralDeletion {
                            path,
                            parent_cversion,
                        })
                        .collect(),
                }
            }),
            arb_multi_op(),
            proptest::collection::vec(arb_multi_op(), 0..5).prop_map(Txn::Multi),
            arb_code().prop_map(|code| Txn::Error { code }),
            proptest::collection::vec(arb_code(), 0..5)
                .prop_map(|results| Txn::MultiError { results }),
        ]
    }

    fn arb_header() -> impl Strategy<Value = TxnHeader> {
        (any::<u64>(), any::<u32>(), any::<u64>(), any::<u64>()).prop_map(
            |(session, cxid, zxid, time_ms)| TxnHeader {
                session: SessionId(session),
                cxid,
                zxid: Zxid(zxid),
                time_ms,
            },
        )
    }

    fn encode(header: &TxnHeader, txn: &Txn) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut writer = Writer::new(&mut buf);
        header.encode(&mut writer);
        txn.encode(&mut writer);
        buf
    }

    fn decode(bytes: &[u8]) -> Result<(TxnHeader, Txn), DecodeError> {
        let mut reader = Reader::new(bytes);
        let header = TxnHeader::decode(&mut reader)?;
        let txn = Txn::decode(&mut reader)?;
        reader.expect_end()?;
        Ok((header, txn))
    }

    proptest! {
        #[test]
        fn header_and_txn_round_trip(header in arb_header(), txn in arb_txn()) {
            let bytes = encode(&header, &txn);
            prop_assert_eq!(decode(&bytes), Ok((header, txn)));
        }

        #[test]
        fn truncations_are_errors(header in arb_header(), txn in arb_txn(), cut in any::<prop::sample::Index>()) {
            let bytes = encode(&header, &txn);
            let cut = cut.index(bytes.len());
            prop_assert!(decode(&bytes[..cut]).is_err());
        }

        #[test]
        fn decode_of_any_bytes_never_panics(raw in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode(&raw);
            let _ = Txn::decode(&mut Reader::new(&raw));
        }

        #[test]
        fn decode_of_mutated_txns_never_panics(txn in arb_txn(), flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
            let mut bytes = Vec::new();
            txn.encode(&mut Writer::new(&mut bytes));
            for (index, value) in flips {
                let at = index.index(bytes.len());
                bytes[at] = value;
            }
            let _ = Txn::decode(&mut Reader::new(&bytes));
        }
    }

    fn decode_txn(bytes: &[u8]) -> Result<Txn, DecodeError> {
        Txn::decode(&mut Reader::new(bytes))
    }

    #[test]
    fn nested_multi_is_invalid() {
        let mut bytes = vec![TAG_MULTI, 0, 0, 0, 1, TAG_MULTI, 0, 0, 0, 0];
        assert_eq!(
            decode_txn(&bytes),
            Err(DecodeError::InvalidTag {
                at: 5,
                what: "multi op",
                tag: 7
            })
        );
        bytes[5] = TAG_ERROR;
        assert!(matches!(
            decode_txn(&bytes),
            Err(DecodeError::InvalidTag {
                what: "multi op",
                ..
            })
        ));
    }

    #[test]
    fn unknown_tags_and_codes_are_invalid() {
        assert_eq!(
            decode_txn(&[0]),
            Err(DecodeError::InvalidTag {
                at: 0,
                what: "txn",
                tag: 0
            })
        );
        assert_eq!(
            decode_txn(&[42]),
            Err(DecodeError::InvalidTag {
                at: 0,
                what: "txn",
                tag: 42
            })
        );
        let unknown = (-7i32).to_be_bytes();
        let bytes = [&[TAG_ERROR][..], &unknown[..]].concat();
        assert_eq!(
            decode_txn(&bytes),
            Err(DecodeError::InvalidTag {
                at: 1,
                what: "error code",
                tag: -7i32 as u32
            })
        );
    }

    #[test]
    fn invalid_paths_are_rejected() {
        let mut bytes = Vec::new();
        Txn::Check {
            path: "/ok".to_owned(),
        }
        .encode(&mut Writer::new(&mut bytes));
        assert!(decode_txn(&bytes).is_ok());
        let mut bytes = vec![TAG_CHECK];
        Writer::new(&mut bytes).str("/bad/");
        assert_eq!(
            decode_txn(&bytes),
            Err(DecodeError::Invalid {
                at: 1,
                what: "txn path"
            })
        );
    }

    #[test]
    fn huge_counts_fail_without_allocating() {
        let bytes = [TAG_MULTI_ERROR, 0x00, 0x10, 0x00, 0x00];
        assert!(matches!(
            decode_txn(&bytes),
            Err(DecodeError::UnexpectedEnd { .. })
        ));
        let bytes = [TAG_MULTI, 0xff, 0xff, 0xff, 0xff];
        assert!(matches!(
            decode_txn(&bytes),
            Err(DecodeError::LengthTooLarge { .. })
        ));
    }
}
