//! Small readers and writers of [`Value`] trees shared by the message types: lists of room
//! names and ids, which JavaScript lets be numbers as well as strings.

use event_proto::Value;

/// A list of strings as a [`Value::Array`].
pub fn strings(items: &[String]) -> Value {
    Value::Array(items.iter().map(|s| Value::from(s.as_str())).collect())
}

/// A list of room names or ids; numbers (JavaScript allows numeric rooms) become text, other
/// items are skipped.
pub fn string_list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(scalar_text).collect(),
        _ => Vec::new(),
    }
}

/// A string, or a number written as text (ids and rooms may be numbers in JavaScript).
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
