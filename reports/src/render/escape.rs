//! Escaping of report text for the page and the summary: a report's strings
//! (messages, requests, trace details) are data, never markup.

/// `text` safe inside HTML (and XML) text and quoted attribute values.
pub(crate) fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in xml_chars(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` without the characters XML 1.0 forbids (C0 controls other than
/// tab and line breaks, and the non-characters U+FFFE and U+FFFF), each
/// replaced by U+FFFD: an SVG holding one would not parse at all.
pub(crate) fn xml_chars(text: &str) -> std::borrow::Cow<'_, str> {
    let forbidden = |c: char| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}')
    };
    if !text.chars().any(forbidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    let cleaned = text
        .chars()
        .map(|c| if forbidden(c) { '\u{fffd}' } else { c })
        .collect();
    std::borrow::Cow::Owned(cleaned)
}

/// `text` as literal Markdown inline text: every character with an inline
/// Markdown or HTML meaning is backslash-escaped (the text never starts a
/// line, so block markers like `#` or `-` are harmless), and line breaks
/// become spaces so one value stays on one line (a list item, a cell).
pub(crate) fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// `text` as a Markdown code span whose fence is longer than any run of
/// backticks inside it, so the text cannot close it.
pub(crate) fn markdown_code(text: &str) -> String {
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    let flat = text.replace(['\n', '\r'], " ");
    // A space pads a span that starts or ends with a backtick (CommonMark
    // strips one such space on each side).
    if flat.starts_with('`') || flat.ends_with('`') {
        format!("{fence} {flat} {fence}")
    } else {
        format!("{fence}{flat}{fence}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html(r#"<script>alert('x' & "y")</script>"#),
            "&lt;script&gt;alert(&#39;x&#39; &amp; &quot;y&quot;)&lt;/script&gt;"
        );
        assert_eq!(html("plain n0 → n1"), "plain n0 → n1");
    }

    #[test]
    fn forbidden_xml_characters_are_replaced() {
        assert_eq!(xml_chars("a\u{1}b\tc\u{ffff}"), "a\u{fffd}b\tc\u{fffd}");
        assert!(matches!(xml_chars("plain"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(html("\u{0}<"), "\u{fffd}&lt;");
    }

    #[test]
    fn markdown_text_is_literal_and_on_one_line() {
        assert_eq!(markdown("a*b*\n<i>"), "a\\*b\\* \\<i\\>");
        assert_eq!(markdown("[x](y)"), "\\[x\\](y)");
        assert_eq!(markdown("a_b | c"), "a\\_b \\| c");
    }

    #[test]
    fn markdown_code_fence_outgrows_backticks_inside() {
        assert_eq!(markdown_code("zksim replay"), "`zksim replay`");
        assert_eq!(markdown_code("a ``b`` c"), "```a ``b`` c```");
        assert_eq!(markdown_code("`x"), "`` `x ``");
    }
}
