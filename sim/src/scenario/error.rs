//! Load errors: which field, what is wrong with it.

use std::fmt;

use super::Scenario;

/// Why a scenario could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file it came from, if any.
    pub source_name: Option<String>,
    /// Full dotted path of the offending field (`faults.schedule[2].node`),
    /// `line L, column C` for a JSON syntax error, or empty for the document
    /// as a whole.
    pub field: String,
    pub message: String,
}

impl ScenarioError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        ScenarioError {
            source_name: None,
            field: field.into(),
            message: message.into(),
        }
    }

    pub(super) fn with_source(mut self, source: &str) -> Self {
        self.source_name = Some(source.to_string());
        self
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(source) = &self.source_name {
            write!(f, "{source}: ")?;
        }
        if self.field.starts_with("line ") {
            write!(f, "{}: ", self.field)?;
        } else if !self.field.is_empty() {
            write!(f, "field `{}`: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// Deserializes without validating, mapping serde errors to field paths.
pub(super) fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let scenario: Scenario = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        json_error(path, e.into_inner())
    })?;
    de.end().map_err(|e| json_error(String::new(), e))?;
    Ok(scenario)
}

fn json_error(path: String, err: serde_json::Error) -> ScenarioError {
    use serde_json::error::Category;
    let full = err.to_string();
    let position = format!(" at line {} column {}", err.line(), err.column());
    let message = full.strip_suffix(&position).unwrap_or(&full).to_string();
    match err.classify() {
        // A fixed-size array with too many elements ends with this syntax
        // error at its own path.
        Category::Syntax if message == "trailing characters" && !path.is_empty() && path != "." => {
            ScenarioError::new(path, "expected an array of exactly 2 numbers, [min, max]")
        }
        Category::Syntax | Category::Eof | Category::Io => ScenarioError::new(
            format!("line {}, column {}", err.line(), err.column()),
            message,
        ),
        Category::Data => {
            let mut field = if path == "." { String::new() } else { path };
            // serde reports a missing field at its parent: name the field.
            if let Some(name) = backticked_after(&message, "missing field ") {
                if !field.is_empty() {
                    field.push('.');
                }
                field.push_str(name);
            }
            ScenarioError::new(field, message)
        }
    }
}

/// The backticked name right after `prefix` at the start of `message`.
fn backticked_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?.strip_prefix('`')?;
    let end = rest.find('`')?;
    Some(&rest[..end])
}
