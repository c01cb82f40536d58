//! Sequential names: under one parent, acknowledged sequential creates get
//! unique suffixes that increase with their zxids.

use crate::violation::ViolationKind;
use std::collections::BTreeMap;
use zksim_core::ids::Zxid;

#[derive(Debug, Default)]
pub struct SequentialCheck {
    /// parent → (zxid → full name).
    created: BTreeMap<String, BTreeMap<Zxid, String>>,
}

impl SequentialCheck {
    pub fn on_created(&mut self, zxid: Zxid, path: &str) {
        let Some(split) = path.rfind('/') else { return };
        let parent = if split == 0 { "/" } else { &path[..split] };
        self.created
            .entry(parent.to_string())
            .or_default()
            .insert(zxid, path.to_string());
    }

    pub fn check(&self) -> Vec<(ViolationKind, String)> {
        let mut findings = Vec::new();
        for (parent, names) in &self.created {
            let mut last: Option<(u64, &Zxid, &String)> = None;
            for (zxid, name) in names {
                let Some(suffix) = sequence_suffix(name) else {
                    findings.push((
                        ViolationKind::SequentialOrder,
                        format!("{name} has no 10-digit suffix"),
                    ));
                    continue;
                };
                if let Some((previous, previous_zxid, previous_name)) = last {
                    if suffix <= previous {
                        findings.push((
                            ViolationKind::SequentialOrder,
                            format!(
                                "under {parent}: {name} (at {zxid}) does not follow {previous_name} (at {previous_zxid})"
                            ),
                        ));
                    }
                }
                last = Some((suffix, zxid, name));
            }
        }
        findings
    }
}

fn sequence_suffix(name: &str) -> Option<u64> {
    let digits = name.get(name.len().checked_sub(10)?..)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use zksim_core::ids::Epoch;

    #[test]
    fn increasing_suffixes_pass_and_a_repeat_fails() {
        let mut check = SequentialCheck::default();
        check.on_created(Zxid::new(Epoch(1), 1), "/seq/n-0000000000");
        check.on_created(Zxid::new(Epoch(1), 5), "/seq/e-0000000003");
        assert!(check.check().is_empty());
        check.on_created(Zxid::new(Epoch(2), 1), "/seq/n-0000000003");
        let findings = check.check();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].0, ViolationKind::SequentialOrder);
    }
}
