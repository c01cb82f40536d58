//! The JSON form of a history (docs/HISTORY-FORMAT.md): one event object per line (JSON Lines),
//! or one array of event objects. The objects mirror Jepsen's op maps with strings for keywords.

use super::datum::Datum;
use super::error::FormatError;

/// Each top-level event value with the line it starts on.
pub fn read_values(text: &str) -> Result<Vec<(Datum, usize)>, FormatError> {
    let lines = LineIndex::new(text);
    let start = skip_whitespace(text, 0);
    if text[start..].starts_with('[') {
        read_array(text, start + 1, &lines)
    } else {
        read_stream(text, start, &lines)
    }
}

fn read_stream(
    text: &str,
    mut pos: usize,
    lines: &LineIndex,
) -> Result<Vec<(Datum, usize)>, FormatError> {
    let mut values = Vec::new();
    while pos < text.len() {
        let (value, end) = read_value(text, pos, lines)?;
        values.push((value, lines.line_of(pos)));
        pos = skip_whitespace(text, end);
    }
    Ok(values)
}

fn read_array(
    text: &str,
    mut pos: usize,
    lines: &LineIndex,
) -> Result<Vec<(Datum, usize)>, FormatError> {
    let mut values = Vec::new();
    loop {
        pos = skip_whitespace(text, pos);
        if text[pos..].starts_with(']') && values.is_empty() {
            return trailing(text, pos + 1, lines).map(|()| values);
        }
        let (value, end) = read_value(text, pos, lines)?;
        values.push((value, lines.line_of(pos)));
        pos = skip_whitespace(text, end);
        match text[pos..].chars().next() {
            Some(',') => pos += 1,
            Some(']') => return trailing(text, pos + 1, lines).map(|()| values),
            _ => return Err(lines.error_at(pos, "expected `,` or `]` after an array element")),
        }
    }
}

fn trailing(text: &str, pos: usize, lines: &LineIndex) -> Result<(), FormatError> {
    let pos = skip_whitespace(text, pos);
    if pos < text.len() {
        return Err(lines.error_at(pos, "unexpected text after the array"));
    }
    Ok(())
}

/// One JSON value starting at `pos`, and where it ends.
fn read_value(text: &str, pos: usize, lines: &LineIndex) -> Result<(Datum, usize), FormatError> {
    let mut stream =
        serde_json::Deserializer::from_str(&text[pos..]).into_iter::<serde_json::Value>();
    match stream.next() {
        Some(Ok(value)) => Ok((datum(value), pos + stream.byte_offset())),
        Some(Err(error)) => {
            let (line, column) = lines.position(pos);
            let error_line = line + error.line().saturating_sub(1);
            let error_column = if error.line() <= 1 {
                column + error.column().saturating_sub(1)
            } else {
                error.column()
            };
            let message = strip_position(&error.to_string());
            Err(FormatError::at(error_line, error_column.max(1), message))
        }
        None => Err(lines.error_at(pos, "expected a JSON value")),
    }
}

/// serde_json appends " at line L column C"; the caller reports the position itself.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(cut) => message[..cut].to_string(),
        None => message.to_string(),
    }
}

fn skip_whitespace(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
        pos += 1;
    }
    pos
}

fn datum(value: serde_json::Value) -> Datum {
    use serde_json::Value;
    match value {
        Value::Null => Datum::Nil,
        Value::Bool(value) => Datum::Bool(value),
        Value::Number(number) => match number.as_i64() {
            Some(value) => Datum::Int(value),
            None => Datum::OtherNumber(number.to_string()),
        },
        Value::String(text) => Datum::Str(text),
        Value::Array(items) => Datum::List(items.into_iter().map(datum).collect()),
        Value::Object(entries) => Datum::Map(
            entries
                .into_iter()
                .map(|(key, value)| (Datum::Str(key), datum(value)))
                .collect(),
        ),
    }
}

/// Byte offsets of line starts, to turn offsets into lines and columns.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let newlines = text.match_indices('\n').map(|(at, _)| at + 1);
        LineIndex {
            starts: std::iter::once(0).chain(newlines).collect(),
        }
    }

    fn line_of(&self, pos: usize) -> usize {
        self.starts.partition_point(|&start| start <= pos)
    }

    fn position(&self, pos: usize) -> (usize, usize) {
        let line = self.line_of(pos);
        (line, pos - self.starts[line - 1] + 1)
    }

    fn error_at(&self, pos: usize, message: &str) -> FormatError {
        let (line, column) = self.position(pos);
        FormatError::at(line, column, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_arrays_give_the_same_values() {
        let lines =
            "{\"process\":3,\"type\":\"invoke\",\"f\":\"cas\",\"value\":[3,0]}\n\n{\"a\":null}\n";
        let array = "[\n {\"process\":3,\"type\":\"invoke\",\"f\":\"cas\",\"value\":[3,0]},\n\n {\"a\":null}\n]\n";
        let from_lines = read_values(lines).expect("valid");
        let from_array = read_values(array).expect("valid");
        assert_eq!(
            from_lines.iter().map(|v| v.1).collect::<Vec<_>>(),
            vec![1, 3]
        );
        assert_eq!(
            from_array.iter().map(|v| v.1).collect::<Vec<_>>(),
            vec![2, 4]
        );
        assert_eq!(from_lines[0].0, from_array[0].0);
        assert!(read_values("[]").expect("valid").is_empty());
        assert!(read_values("").expect("valid").is_empty());
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            ("{\"a\":1}\n{\"a\":}", "line 2, column 6: expected value"),
            (
                "[{\"a\":1},\n {\"a\":2} x",
                "line 2, column 10: expected `,` or `]`",
            ),
            (
                "[{\"a\":1}\n {\"a\":2}]",
                "line 2, column 2: expected `,` or `]`",
            ),
            (
                "[{\"a\":1}] 5",
                "line 1, column 11: unexpected text after the array",
            ),
            ("[{\"a\":1},\n\n   {\"b\"\n: 1,}]", "line 4, column"),
        ];
        for (text, expected) in cases {
            let error = read_values(text).expect_err(text).to_string();
            assert!(error.starts_with(expected), "{text:?}: {error}");
        }
    }
}
