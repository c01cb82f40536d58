//! Human-friendly JSON layout for scenario files.
//!
//! serde_json's pretty printer puts every array element on its own line,
//! which turns `"think_time_ms": [0, 20]` into four lines. This re-lays out
//! serde_json's compact output (field order preserved): 2-space indent,
//! arrays of scalars and small flat objects on one line.

use super::Scenario;

/// Widest one-line container, in characters.
const INLINE_WIDTH: usize = 72;

pub(super) fn to_json_pretty(s: &Scenario) -> String {
    // Serializing these types cannot fail: no maps with non-string keys, no
    // custom Serialize impls.
    let compact = serde_json::to_string(s).expect("a Scenario always serializes");
    let mut out = String::with_capacity(compact.len() * 2);
    match parse(&compact) {
        Some(node) => write_node(&node, 0, true, &mut out),
        // Unreachable for serde_json's output; fall back to its own layout.
        None => out.push_str(&serde_json::to_string_pretty(s).expect("serializes")),
    }
    out.push('\n');
    out
}

/// A JSON value with object fields in document order; scalars kept as text.
enum Node {
    Scalar(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

fn parse(text: &str) -> Option<Node> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    let node = parse_value(text, bytes, &mut pos)?;
    (pos == bytes.len()).then_some(node)
}

fn parse_value(text: &str, bytes: &[u8], pos: &mut usize) -> Option<Node> {
    match *bytes.get(*pos)? {
        b'[' => {
            *pos += 1;
            let mut items = Vec::new();
            if bytes.get(*pos) == Some(&b']') {
                *pos += 1;
                return Some(Node::Array(items));
            }
            loop {
                items.push(parse_value(text, bytes, pos)?);
                let c = *bytes.get(*pos)?;
                *pos += 1;
                match c {
                    b',' => continue,
                    b']' => return Some(Node::Array(items)),
                    _ => return None,
                }
            }
        }
        b'{' => {
            *pos += 1;
            let mut fields = Vec::new();
            if bytes.get(*pos) == Some(&b'}') {
                *pos += 1;
                return Some(Node::Object(fields));
            }
            loop {
                let key = parse_string(text, bytes, pos)?;
                if bytes.get(*pos) != Some(&b':') {
                    return None;
                }
                *pos += 1;
                fields.push((key, parse_value(text, bytes, pos)?));
                let c = *bytes.get(*pos)?;
                *pos += 1;
                match c {
                    b',' => continue,
                    b'}' => return Some(Node::Object(fields)),
                    _ => return None,
                }
            }
        }
        b'"' => parse_string(text, bytes, pos).map(Node::Scalar),
        _ => {
            let start = *pos;
            while *pos < bytes.len() && !matches!(bytes[*pos], b',' | b']' | b'}') {
                *pos += 1;
            }
            (start < *pos).then(|| Node::Scalar(text.get(start..*pos).unwrap_or("").to_string()))
        }
    }
}

/// A string token, quotes and escapes kept verbatim.
fn parse_string(text: &str, bytes: &[u8], pos: &mut usize) -> Option<String> {
    if bytes.get(*pos) != Some(&b'"') {
        return None;
    }
    let start = *pos;
    *pos += 1;
    loop {
        match *bytes.get(*pos)? {
            b'\\' => *pos += 2,
            b'"' => {
                *pos += 1;
                return text.get(start..*pos).map(str::to_string);
            }
            _ => *pos += 1,
        }
    }
}

/// The one-line form, if this value may be written on one line at all:
/// scalars, arrays of scalars, objects of scalars and arrays of scalars.
fn inline(node: &Node) -> Option<String> {
    match node {
        Node::Scalar(s) => Some(s.clone()),
        Node::Array(items) => {
            let parts = items
                .iter()
                .map(|n| match n {
                    Node::Scalar(s) => Some(s.as_str()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some(format!("[{}]", parts.join(", ")))
        }
        Node::Object(fields) if fields.is_empty() => Some("{}".to_string()),
        Node::Object(fields) => {
            let parts = fields
                .iter()
                .map(|(k, v)| match v {
                    Node::Object(_) => None,
                    _ => inline(v).map(|s| format!("{k}: {s}")),
                })
                .collect::<Option<Vec<_>>>()?;
            Some(format!("{{ {} }}", parts.join(", ")))
        }
    }
}

fn write_node(node: &Node, indent: usize, root: bool, out: &mut String) {
    if !root {
        if let Some(line) = inline(node) {
            if line.len() <= INLINE_WIDTH || matches!(node, Node::Scalar(_)) {
                out.push_str(&line);
                return;
            }
        }
    }
    let pad = "  ".repeat(indent + 1);
    match node {
        Node::Scalar(s) => out.push_str(s),
        Node::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                out.push_str(&pad);
                write_node(item, indent + 1, false, out);
            }
            out.push('\n');
            out.push_str(&"  ".repeat(indent));
            out.push(']');
        }
        Node::Object(fields) => {
            out.push('{');
            for (i, (key, value)) in fields.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                out.push_str(&pad);
                out.push_str(key);
                out.push_str(": ");
                write_node(value, indent + 1, false, out);
            }
            out.push('\n');
            out.push_str(&"  ".repeat(indent));
            out.push('}');
        }
    }
}
