//! ZooKeeper path rules (`PathUtils.validatePath`) and path arithmetic.

use crate::codec::MAX_PATH_BYTES;

/// Checks a full znode path; `Err` says which rule it breaks.
pub fn validate_path(path: &str) -> Result<(), &'static str> {
    if path.is_empty() {
        return Err("empty path");
    }
    if path.len() > MAX_PATH_BYTES {
        return Err("path too long");
    }
    if !path.starts_with('/') {
        return Err("path must start with '/'");
    }
    if path == "/" {
        return Ok(());
    }
    if path.ends_with('/') {
        return Err("path must not end with '/'");
    }
    // Skip the leading '/': every component after it must be a proper name.
    // (A byte scan splits where `split('/')` would, in one pass.)
    let names = &path[1..];
    let mut start = 0;
    for (at, byte) in names.bytes().enumerate() {
        if byte == b'/' {
            validate_name(&names[start..at])?;
            start = at + 1;
        }
    }
    validate_name(&names[start..])
}

fn validate_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("empty path component");
    }
    if name == "." || name == ".." {
        return Err("relative path component");
    }
    // An ASCII character is forbidden exactly when it is a control character.
    let forbidden = if name.is_ascii() {
        name.bytes().any(|byte| byte.is_ascii_control())
    } else {
        name.chars().any(is_forbidden_char)
    };
    if forbidden {
        return Err("forbidden character in path");
    }
    Ok(())
}

/// ZooKeeper rejects NUL, control characters (C0, DEL, C1), the private-use
/// block up to U+F8FF and U+FFF0..=U+FFFF.
fn is_forbidden_char(c: char) -> bool {
    c.is_control()
        || ('\u{e000}'..='\u{f8ff}').contains(&c)
        || ('\u{fff0}'..='\u{ffff}').contains(&c)
}

/// The parent of a path (`None` for the root). The path is not validated.
pub fn parent_of(path: &str) -> Option<&str> {
    if path == "/" {
        return None;
    }
    let last_slash = last_slash(path)?;
    if last_slash == 0 {
        Some("/")
    } else {
        Some(&path[..last_slash])
    }
}

/// The last component of a path ("" for the root or a path without '/').
pub fn name_of(path: &str) -> &str {
    match last_slash(path) {
        Some(last_slash) => &path[last_slash + 1..],
        None => "",
    }
}

/// Where the last '/' is. '/' is one byte and never part of a longer
/// character, so a byte scan finds what `rfind('/')` would, more cheaply.
fn last_slash(path: &str) -> Option<usize> {
    path.bytes().rposition(|byte| byte == b'/')
}

/// `parent` joined with a child `name`.
pub fn child_path(parent: &str, name: &str) -> String {
    assert!(!name.is_empty(), "a child name is never empty");
    assert!(!name.contains('/'), "a child name has no '/': {name:?}");
    // One allocation of the exact size (a `format!` grows its buffer).
    let prefix = if parent == "/" { "" } else { parent };
    let mut path = String::with_capacity(prefix.len() + 1 + name.len());
    path.push_str(prefix);
    path.push('/');
    path.push_str(name);
    path
}

/// The final path of a sequential create: ZooKeeper's
/// `path + String.format("%010d", parent.cversion)` (a negative cversion
/// after overflow formats as "-000000005", as in Java).
pub fn sequential_path(path: &str, parent_cversion: i32) -> String {
    format!("{path}{parent_cversion:010}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(path: &str, valid: bool) {
        assert_eq!(
            validate_path(path).is_ok(),
            valid,
            "{path:?}: {:?}",
            validate_path(path)
        );
    }

    #[test]
    fn path_rules() {
        for good in [
            "/",
            "/a",
            "/a/b",
            "/a.b",
            "/...",
            "/a/.b",
            "/zookeeper",
            "/ü",
        ] {
            check(good, true);
        }
        for bad in [
            "",
            "a",
            "a/b",
            "/a/",
            "//",
            "/a//b",
            "/.",
            "/a/..",
            "/a\0",
            "/a\u{1}",
            "/\u{7f}",
            "/\u{e000}",
            "/\u{fff0}",
        ] {
            check(bad, false);
        }
        for bad in ["/a\u{9f}", "/\u{85}b", "/é\u{1}", "/é/\u{f8ff}"] {
            check(bad, false);
        }
        check("/é/ü\u{a0}", true);
        check(&format!("/{}", "x".repeat(MAX_PATH_BYTES - 1)), true);
        check(&format!("/{}", "x".repeat(MAX_PATH_BYTES)), false);
    }

    /// `validate_name` as it was before its ASCII fast path.
    fn validate_name_by_chars(name: &str) -> Result<(), &'static str> {
        if name.is_empty() {
            return Err("empty path component");
        }
        if name == "." || name == ".." {
            return Err("relative path component");
        }
        if name.chars().any(is_forbidden_char) {
            return Err("forbidden character in path");
        }
        Ok(())
    }

    /// `validate_path` as it was before its byte scans.
    fn validate_path_by_split(path: &str) -> Result<(), &'static str> {
        if path.is_empty() {
            return Err("empty path");
        }
        if path.len() > MAX_PATH_BYTES {
            return Err("path too long");
        }
        if !path.starts_with('/') {
            return Err("path must start with '/'");
        }
        if path == "/" {
            return Ok(());
        }
        if path.ends_with('/') {
            return Err("path must not end with '/'");
        }
        for component in path[1..].split('/') {
            validate_name_by_chars(component)?;
        }
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn paths_are_judged_as_by_split(path in "/?[/a.\\x00\\x7f\\u{85}\\u{e000}é]{0,8}") {
            proptest::prop_assert_eq!(validate_path(&path), validate_path_by_split(&path));
        }

        #[test]
        fn names_are_judged_as_by_chars(name in "[a.\\x00-\\x7f\\u{80}-\\u{a0}\\u{e000}\\u{f8ff}\\u{fff0}-\\u{ffff}é]{0,4}") {
            proptest::prop_assert_eq!(validate_name(&name), validate_name_by_chars(&name));
        }
    }

    #[test]
    fn parents_and_names() {
        assert_eq!(parent_of("/"), None);
        assert_eq!(parent_of("/a"), Some("/"));
        assert_eq!(parent_of("/a/b"), Some("/a"));
        assert_eq!(parent_of("/lock/"), Some("/lock"));
        assert_eq!(name_of("/a/b"), "b");
        assert_eq!(name_of("/"), "");
        assert_eq!(name_of("/é/ü"), "ü");
        assert_eq!(parent_of("/é/ü"), Some("/é"));
        assert_eq!(name_of("abc"), "");
        assert_eq!(parent_of("abc"), None);
        assert_eq!(child_path("/", "a"), "/a");
        assert_eq!(child_path("/a", "b"), "/a/b");
    }

    #[test]
    fn sequential_suffix_is_ten_digits_and_signed() {
        assert_eq!(sequential_path("/lock/", 3), "/lock/0000000003");
        assert_eq!(sequential_path("/q-", i32::MAX), "/q-2147483647");
        assert_eq!(sequential_path("/q-", -5), "/q--000000005");
        check(&sequential_path("/lock/", 0), true);
    }
}
