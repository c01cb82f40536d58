//! A small EDN reader: what Jepsen histories use. Nil, booleans, integers (other numbers are kept
//! as text), strings, keywords, symbols, vectors, lists, maps, sets, `;` comments, `#_` discard,
//! and tagged values (`#inst "..."`: the tag is dropped). Commas are whitespace. Character
//! literals are not supported. Errors name the line and column.

use super::datum::Datum;
use super::error::FormatError;

/// A top-level form and the line it starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    pub datum: Datum,
    pub line: usize,
}

/// Nesting deeper than this is refused (no history needs it; it bounds the recursion).
const MAX_DEPTH: usize = 128;

/// Every top-level form of `text`.
pub fn read_all(text: &str) -> Result<Vec<Form>, FormatError> {
    let mut reader = Reader::new(text, 1, 1);
    let mut forms = Vec::new();
    while reader.skip_blank(0)? {
        let line = reader.line;
        let datum = reader.read_form(0)?;
        forms.push(Form { datum, line });
    }
    Ok(forms)
}

/// How a history file holds its op maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// One vector (or list) of maps.
    Vector,
    /// A sequence of top-level maps, usually one per line.
    Lines,
}

/// The items of a history: the elements of its one top-level vector or list, or its top-level
/// forms; each with the line it starts on.
pub fn read_items(text: &str) -> Result<(Shape, Vec<Form>), FormatError> {
    let mut reader = Reader::new(text, 1, 1);
    if !reader.skip_blank(0)? {
        return Ok((Shape::Lines, Vec::new()));
    }
    let close = match reader.peek() {
        Some(b'[') => b']',
        Some(b'(') => b')',
        _ => return Ok((Shape::Lines, read_all(text)?)),
    };
    let (line, column) = (reader.line, reader.column);
    reader.bump();
    let mut items = Vec::new();
    loop {
        if !reader.skip_blank(1)? {
            return Err(FormatError::at(
                line,
                column,
                "the history's `[` is never closed",
            ));
        }
        if reader.peek() == Some(close) {
            reader.bump();
            break;
        }
        let line = reader.line;
        let datum = reader.read_form(1)?;
        items.push(Form { datum, line });
    }
    if reader.skip_blank(0)? {
        return Err(reader.error("unexpected text after the history's vector"));
    }
    Ok((Shape::Vector, items))
}

/// Exactly one form, in a fragment that starts at `line`, `column` of its file.
pub fn read_one(text: &str, line: usize, column: usize) -> Result<Datum, FormatError> {
    let mut reader = Reader::new(text, line, column);
    if !reader.skip_blank(0)? {
        return Err(reader.error("expected a value"));
    }
    let datum = reader.read_form(0)?;
    if reader.skip_blank(0)? {
        return Err(reader.error("unexpected text after the value"));
    }
    Ok(datum)
}

struct Reader<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    line: usize,
    column: usize,
}

fn is_delimiter(byte: u8) -> bool {
    byte.is_ascii_whitespace() || b",()[]{}\";".contains(&byte)
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, line: usize, column: usize) -> Reader<'a> {
        Reader {
            bytes: text.as_bytes(),
            text,
            pos: 0,
            line,
            column,
        }
    }

    fn error(&self, message: impl Into<String>) -> FormatError {
        FormatError::at(self.line, self.column, message)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.pos += 1;
        if byte == b'\n' {
            self.line += 1;
            self.column = 1;
        } else if byte & 0xC0 != 0x80 {
            self.column += 1; // count characters, not UTF-8 continuation bytes
        }
        Some(byte)
    }

    /// Skips whitespace, commas, comments and `#_` discarded forms; false at the end.
    fn skip_blank(&mut self, depth: usize) -> Result<bool, FormatError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("nested more than {MAX_DEPTH} deep")));
        }
        loop {
            match self.peek() {
                None => return Ok(false),
                Some(b';') => {
                    while self.peek().is_some_and(|byte| byte != b'\n') {
                        self.bump();
                    }
                }
                Some(byte) if byte.is_ascii_whitespace() || byte == b',' => {
                    self.bump();
                }
                Some(b'#') if self.bytes.get(self.pos + 1) == Some(&b'_') => {
                    self.bump();
                    self.bump();
                    if !self.skip_blank(depth + 1)? {
                        return Err(self.error("`#_` with nothing to discard"));
                    }
                    self.read_form(depth + 1)?;
                }
                Some(_) => return Ok(true),
            }
        }
    }

    fn read_form(&mut self, depth: usize) -> Result<Datum, FormatError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("nested more than {MAX_DEPTH} deep")));
        }
        let Some(byte) = self.peek() else {
            return Err(self.error("unexpected end of input"));
        };
        match byte {
            b'[' | b'(' => {
                let close = if byte == b'[' { b']' } else { b')' };
                Ok(Datum::List(self.read_seq(close, depth)?))
            }
            b'{' => self.read_map(depth),
            b'"' => self.read_string().map(Datum::Str),
            b'#' => self.read_dispatch(depth),
            b')' | b']' | b'}' => Err(self.error(format!("unexpected `{}`", byte as char))),
            b'\\' => Err(self.error("character literals are not supported")),
            _ => self.read_atom(),
        }
    }

    /// The items up to `close`; the opening bracket is at the current position.
    fn read_seq(&mut self, close: u8, depth: usize) -> Result<Vec<Datum>, FormatError> {
        let (line, column) = (self.line, self.column);
        let open = self.bump().expect("an opening bracket") as char;
        let mut items = Vec::new();
        loop {
            if !self.skip_blank(depth + 1)? {
                return Err(FormatError::at(
                    line,
                    column,
                    format!("`{open}` is never closed"),
                ));
            }
            if self.peek() == Some(close) {
                self.bump();
                return Ok(items);
            }
            items.push(self.read_form(depth + 1)?);
        }
    }

    fn read_map(&mut self, depth: usize) -> Result<Datum, FormatError> {
        let (line, column) = (self.line, self.column);
        let items = self.read_seq(b'}', depth)?;
        if items.len() % 2 != 0 {
            return Err(FormatError::at(
                line,
                column,
                "a map needs an even number of forms (key value pairs)",
            ));
        }
        let mut items = items.into_iter();
        let mut entries = Vec::new();
        while let (Some(key), Some(value)) = (items.next(), items.next()) {
            entries.push((key, value));
        }
        Ok(Datum::Map(entries))
    }

    fn read_dispatch(&mut self, depth: usize) -> Result<Datum, FormatError> {
        match self.bytes.get(self.pos + 1) {
            Some(b'{') => {
                self.bump();
                Ok(Datum::List(self.read_seq(b'}', depth)?))
            }
            Some(byte) if byte.is_ascii_alphabetic() => {
                self.bump();
                self.read_token(); // the tag: its value stands for itself
                if !self.skip_blank(depth + 1)? {
                    return Err(self.error("a tag with no value"));
                }
                self.read_form(depth + 1)
            }
            _ => Err(self.error("unsupported `#` form")),
        }
    }

    fn read_string(&mut self) -> Result<String, FormatError> {
        let (line, column) = (self.line, self.column);
        self.bump();
        let mut out = String::new();
        loop {
            let start = self.pos;
            while self
                .peek()
                .is_some_and(|byte| byte != b'"' && byte != b'\\')
            {
                self.bump();
            }
            out.push_str(&self.text[start..self.pos]);
            let escape_at = (self.line, self.column);
            match self.bump() {
                None => return Err(FormatError::at(line, column, "unterminated string")),
                Some(b'"') => return Ok(out),
                Some(_) => out.push(self.read_escape(escape_at)?),
            }
        }
    }

    /// The character after a backslash at `at` (line, column).
    fn read_escape(&mut self, at: (usize, usize)) -> Result<char, FormatError> {
        let error = |message: &str| FormatError::at(at.0, at.1, message);
        let escaped = match self.bump() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'n') => '\n',
            Some(b't') => '\t',
            Some(b'r') => '\r',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'u') => {
                let digits = self.text.get(self.pos..self.pos + 4).unwrap_or("");
                let code = u32::from_str_radix(digits, 16)
                    .ok()
                    .and_then(char::from_u32);
                let Some(code) = code else {
                    return Err(error("`\\u` needs four hex digits of a character"));
                };
                for _ in 0..4 {
                    self.bump();
                }
                code
            }
            _ => return Err(error("unknown escape in a string")),
        };
        Ok(escaped)
    }

    fn read_token(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(|byte| !is_delimiter(byte)) {
            self.bump();
        }
        &self.text[start..self.pos]
    }

    fn read_atom(&mut self) -> Result<Datum, FormatError> {
        let (line, column) = (self.line, self.column);
        let token = self.read_token();
        assert!(!token.is_empty(), "read_form saw a non-delimiter");
        let datum = match token {
            "nil" => Datum::Nil,
            "true" => Datum::Bool(true),
            "false" => Datum::Bool(false),
            _ if token.starts_with(':') => {
                if token.len() == 1 {
                    return Err(FormatError::at(line, column, "a keyword needs a name"));
                }
                Datum::Keyword(token[1..].to_string())
            }
            _ if looks_numeric(token) => number(token),
            _ => Datum::Symbol(token.to_string()),
        };
        Ok(datum)
    }
}

fn looks_numeric(token: &str) -> bool {
    let digits = token.strip_prefix(['+', '-']).unwrap_or(token);
    digits.starts_with(|c: char| c.is_ascii_digit())
}

fn number(token: &str) -> Datum {
    let integer = token.strip_suffix('N').unwrap_or(token);
    let integer = integer.strip_prefix('+').unwrap_or(integer);
    match integer.parse::<i64>() {
        Ok(value) => Datum::Int(value),
        Err(_) => Datum::OtherNumber(token.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(name: &str) -> Datum {
        Datum::Keyword(name.to_string())
    }

    #[test]
    fn reads_what_jepsen_histories_use() {
        let text = "; a comment\n[{:process 9, :type :invoke, :f :cas, :value [3 -4]}\n \
                    {:process :nemesis :value nil :s \"a \\\"b\\\"\\u0041\" :t true} #_ 5 (1 2N) #{3} #inst \"x\" 1.5]";
        let forms = read_all(text).expect("valid");
        assert_eq!(forms.len(), 1);
        assert_eq!(forms[0].line, 2);
        let items = forms[0].datum.as_list().expect("a vector");
        assert_eq!(items.len(), 6);
        let Datum::Map(first) = &items[0] else {
            panic!("a map")
        };
        assert_eq!(first[0], (kw("process"), Datum::Int(9)));
        assert_eq!(first[3].1, Datum::List(vec![Datum::Int(3), Datum::Int(-4)]));
        let Datum::Map(second) = &items[1] else {
            panic!("a map")
        };
        assert_eq!(second[2].1, Datum::Str("a \"b\"A".to_string()));
        assert_eq!(items[2], Datum::List(vec![Datum::Int(1), Datum::Int(2)]));
        assert_eq!(items[3], Datum::List(vec![Datum::Int(3)]));
        assert_eq!(items[4], Datum::Str("x".to_string()));
        assert_eq!(items[5], Datum::OtherNumber("1.5".to_string()));
    }

    #[test]
    fn history_items_carry_their_lines() {
        let (shape, items) = read_items("; c\n[{:a 1}\n {:b 2}\n]\n").expect("valid");
        assert_eq!(shape, Shape::Vector);
        assert_eq!(items.iter().map(|f| f.line).collect::<Vec<_>>(), vec![2, 3]);
        let (shape, items) = read_items("{:a 1}\n{:b 2}").expect("valid");
        assert_eq!(shape, Shape::Lines);
        assert_eq!(items.len(), 2);
        let error = read_items("[{:a 1}] {:b 2}").unwrap_err().to_string();
        assert_eq!(
            error,
            "line 1, column 10: unexpected text after the history's vector"
        );
    }

    #[test]
    fn one_map_per_line() {
        let forms = read_all("{:a 1}\n\n{:b 2}\n").expect("valid");
        assert_eq!(forms.iter().map(|f| f.line).collect::<Vec<_>>(), vec![1, 3]);
    }

    #[test]
    fn errors_name_line_and_column() {
        let cases = [
            ("[1 2", "line 1, column 1: `[` is never closed"),
            (
                "{:a 1\n :b}",
                "line 1, column 1: a map needs an even number",
            ),
            ("\n  ]", "line 2, column 3: unexpected `]`"),
            ("[\"abc", "line 1, column 2: unterminated string"),
            ("[1 \\a]", "line 1, column 4: character literals"),
            ("[\"\\q\"]", "line 1, column 3: unknown escape"),
            (
                "[\"\\u00zz\"]",
                "line 1, column 3: `\\u` needs four hex digits",
            ),
            ("{: 1}", "line 1, column 2: a keyword needs a name"),
            ("##Inf", "line 1, column 1: unsupported `#` form"),
        ];
        for (text, expected) in cases {
            let error = read_all(text).expect_err(text).to_string();
            assert!(error.starts_with(expected), "{text:?}: {error}");
        }
        for deep in ["[".repeat(1000), "[#_".repeat(1000), "#_".repeat(1000)] {
            let error = read_all(&deep).unwrap_err().to_string();
            assert!(error.contains("nested more than"), "{error}");
        }
        let error = read_one("[3 0] x", 7, 20).unwrap_err().to_string();
        assert_eq!(error, "line 7, column 26: unexpected text after the value");
    }
}
