//! The `acceptedEpoch` and `currentEpoch` files: a decimal number and a newline,
//! replaced atomically (write a temp file, fsync it, rename, fsync the directory).

use crate::ids::Epoch;
use crate::io::DiskOp;
use crate::persist::names::tmp_name;

pub fn encode_epoch(epoch: Epoch) -> Vec<u8> {
    format!("{}\n", epoch.0).into_bytes()
}

pub fn decode_epoch(bytes: &[u8]) -> Result<Epoch, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
    let digits = text.strip_suffix('\n').unwrap_or(text);
    if digits.is_empty() || digits.len() > 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "expected a decimal epoch, found {:?}",
            truncate(text)
        ));
    }
    digits
        .parse::<u32>()
        .map(Epoch)
        .map_err(|_| format!("epoch {digits} is out of range"))
}

/// The disk requests that replace `name` with `epoch` atomically.
/// `tmp_exists` says whether a leftover temp file must be removed first.
pub fn atomic_write_ops(name: &str, epoch: Epoch, tmp_exists: bool) -> Vec<DiskOp> {
    let tmp = tmp_name(name);
    let mut ops = Vec::with_capacity(6);
    if tmp_exists {
        ops.push(DiskOp::Remove { file: tmp.clone() });
    }
    ops.push(DiskOp::Create { file: tmp.clone() });
    ops.push(DiskOp::Write {
        file: tmp.clone(),
        offset: 0,
        data: encode_epoch(epoch),
    });
    ops.push(DiskOp::Fsync { file: tmp.clone() });
    ops.push(DiskOp::Rename {
        from: tmp,
        to: name.to_string(),
    });
    ops.push(DiskOp::FsyncDir);
    ops
}

fn truncate(text: &str) -> String {
    text.chars().take(24).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn epochs_round_trip(epoch: u32) {
            prop_assert_eq!(decode_epoch(&encode_epoch(Epoch(epoch))), Ok(Epoch(epoch)));
        }

        #[test]
        fn arbitrary_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..16)) {
            let _ = decode_epoch(&raw);
        }
    }

    #[test]
    fn damaged_epoch_files_are_errors() {
        assert!(decode_epoch(b"").is_err());
        assert!(decode_epoch(b"\n").is_err());
        assert!(decode_epoch(b"12a\n").is_err());
        assert!(decode_epoch(b"99999999999\n").is_err());
        assert_eq!(decode_epoch(b"7"), Ok(Epoch(7)));
    }
}
