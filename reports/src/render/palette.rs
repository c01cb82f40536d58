//! The colours of the plots, chosen once so that a role, a node or a fault
//! kind has the same colour in every plot and every report.

use plotters::style::RGBColor;

/// Categorical colours (Tableau 10), readable on white and in print.
const CATEGORICAL: [RGBColor; 10] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0xba, 0xb0, 0xac),
];

/// The colour of the violation: markers, highlighted operations, drops.
pub(crate) const VIOLATION: RGBColor = RGBColor(0xd6, 0x27, 0x28);
/// Operations outside the violation.
pub(crate) const NEUTRAL: RGBColor = RGBColor(0x9a, 0xa0, 0xa8);
/// Thin structural lines (node lines, lane separators).
pub(crate) const RULE: RGBColor = RGBColor(0xc8, 0xcc, 0xd4);

/// The colour of node `n` (commit lines, row labels).
pub(crate) fn node(n: u32) -> RGBColor {
    CATEGORICAL[n as usize % CATEGORICAL.len()]
}

/// Colours of the ZAB message kinds a report is likely to hold, grouped by
/// hue: broadcast (blue, green, orange), heartbeats (greys), election
/// (mustard), discovery (purples), sync (browns), establishment (teals),
/// client syncs (indigos). None is red: red means drops and violations.
const KINDS: [(&str, RGBColor); 18] = [
    ("PROPOSAL", RGBColor(0x4e, 0x79, 0xa7)),
    ("ACK", RGBColor(0x59, 0xa1, 0x4f)),
    ("COMMIT", RGBColor(0xf2, 0x8e, 0x2b)),
    ("PING", RGBColor(0xa8, 0x9f, 0x9a)),
    ("PINGACK", RGBColor(0x7f, 0x7f, 0x7f)),
    ("NOTIFICATION", RGBColor(0xc9, 0x9a, 0x06)),
    ("FOLLOWERINFO", RGBColor(0xb0, 0x7a, 0xa1)),
    ("LEADERINFO", RGBColor(0x7b, 0x4f, 0x9e)),
    ("ACKEPOCH", RGBColor(0xc3, 0x8f, 0xd6)),
    ("DIFF", RGBColor(0x9c, 0x75, 0x5f)),
    ("TRUNC", RGBColor(0x6b, 0x42, 0x26)),
    ("SNAP", RGBColor(0xc4, 0x9c, 0x6b)),
    ("NEWLEADER", RGBColor(0x2a, 0x9d, 0x8f)),
    ("ACKNEWLEADER", RGBColor(0x76, 0xb7, 0xb2)),
    ("UPTODATE", RGBColor(0x1f, 0x5f, 0x68)),
    ("SYNC", RGBColor(0x5b, 0x5b, 0xd6)),
    ("SYNCREQUEST", RGBColor(0x5b, 0x5b, 0xd6)),
    ("SYNCDONE", RGBColor(0x9b, 0x9b, 0xf0)),
];

/// Colours for kinds outside [`KINDS`], none of them red.
const OTHER_KINDS: [RGBColor; 8] = [
    RGBColor(0x17, 0xbe, 0xcf),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x39, 0x3b, 0x79),
    RGBColor(0x63, 0x79, 0x39),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x8c, 0x6d, 0x31),
    RGBColor(0x7b, 0x41, 0x73),
    RGBColor(0x52, 0x54, 0xa3),
];

/// A message kind's colour, the same in every report: `Proposal`,
/// `PROPOSAL` and `proposal` are one kind. Unknown kinds get a colour
/// from a stable hash of their name.
pub(crate) fn kind(name: &str) -> RGBColor {
    let normal: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if let Some((_, color)) = KINDS.iter().find(|(known, _)| *known == normal) {
        return *color;
    }
    // FNV-1a: stable across builds and machines, unlike std's hasher.
    let hash = normal
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    OTHER_KINDS[(hash % OTHER_KINDS.len() as u64) as usize]
}

/// The roles a timeline shows, in legend order.
pub(crate) const ROLES: [&str; 4] = ["down", "looking", "following", "leading"];

/// A replica role's colour: down is grey, looking amber, following blue,
/// leading green; anything else a pale violet, so it is seen, not hidden.
pub(crate) fn role(role: &str) -> RGBColor {
    match role {
        "down" => RGBColor(0xb4, 0xb9, 0xc1),
        "looking" => RGBColor(0xf2, 0xb4, 0x47),
        "following" => RGBColor(0x6c, 0x9b, 0xd2),
        "leading" => RGBColor(0x3f, 0x9b, 0x4b),
        _ => RGBColor(0xc9, 0xb3, 0xe0),
    }
}

/// Whether a role's label reads better in white than in ink.
pub(crate) fn role_label_is_light(role: &str) -> bool {
    matches!(role, "following" | "leading")
}

/// A fault kind's colour: crashes dark red, a partition violet, resets
/// indigo, client faults teal, stalls and clock steps browns, storage
/// damage magenta, the rest slate.
pub(crate) fn fault(kind: &str) -> RGBColor {
    if kind.starts_with("crash") || kind == "power-loss" {
        RGBColor(0x8c, 0x1c, 0x13)
    } else if kind.contains("partition") {
        RGBColor(0x6a, 0x3d, 0x9a)
    } else if kind.contains("reset") {
        RGBColor(0x3f, 0x51, 0xb5)
    } else if kind.contains("client") {
        RGBColor(0x00, 0x79, 0x6b)
    } else if kind == "pause" {
        RGBColor(0x8c, 0x56, 0x1e)
    } else if kind.contains("clock") {
        RGBColor(0xa8, 0x7b, 0x05)
    } else if kind.contains("rot") || kind.contains("disk") || kind.contains("eio") {
        RGBColor(0xb8, 0x2e, 0x8a)
    } else {
        RGBColor(0x47, 0x55, 0x69)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_kinds_keep_their_colour_whatever_the_spelling() {
        assert_eq!(kind("Proposal"), kind("PROPOSAL"));
        assert_eq!(kind("AckNewLeader"), kind("ACK_NEW_LEADER"));
        assert_ne!(kind("PROPOSAL"), kind("COMMIT"));
        assert_eq!(kind("SomethingNew"), kind("SOMETHINGNEW"));
        for (_, color) in KINDS {
            assert_ne!(color, VIOLATION);
        }
    }
}
