//! The `Sec-WebSocket-Extensions` list grammar (RFC 6455 §9.1, RFC 7230 quoted strings).
//!
//! ```text
//! extension-list = 1#extension
//! extension      = token *( OWS ";" OWS param )
//! param          = token [ OWS "=" OWS ( token / quoted-string ) ]
//! ```

use std::borrow::Cow;
use std::fmt;

use crate::token_list::{is_tchar, is_token};

/// One element of an extensions header: an extension name and its parameters, as offered by a
/// client or accepted by a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionOffer<'a> {
    /// The extension name, e.g. `permessage-deflate`.
    pub name: &'a str,
    /// The parameters in the order sent; duplicates are kept for the extension to judge.
    pub params: Vec<ExtensionParam<'a>>,
}

/// One `name[=value]` parameter of an extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionParam<'a> {
    /// The parameter name.
    pub name: &'a str,
    /// The value with any quoting removed, or `None` for a valueless parameter.
    pub value: Option<Cow<'a, str>>,
}

impl fmt::Display for ExtensionOffer<'_> {
    /// Writes the element in header syntax: `name; param; param=value`, quoting values that
    /// are not tokens. Parsing the output gives back an equal element.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)?;
        for param in &self.params {
            write!(f, "; {}", param.name)?;
            match param.value.as_deref() {
                None => {}
                Some(value) if is_token(value.as_bytes()) => write!(f, "={value}")?,
                Some(value) => {
                    f.write_str("=\"")?;
                    for c in value.chars() {
                        if c == '"' || c == '\\' {
                            f.write_str("\\")?;
                        }
                        write!(f, "{c}")?;
                    }
                    f.write_str("\"")?;
                }
            }
        }
        Ok(())
    }
}

/// The syntax of an extensions header value was not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedList;

/// Parses one `Sec-WebSocket-Extensions` value into its elements. Empty list elements are
/// skipped, as RFC 7230 §7 asks of recipients.
///
/// ```
/// use ws_handshake::extension::offer::parse_extensions;
/// let offers = parse_extensions("permessage-deflate; client_max_window_bits, x-foo; a=\"b\"")
///     .unwrap();
/// assert_eq!(offers[0].name, "permessage-deflate");
/// assert_eq!(offers[1].params[0].value.as_deref(), Some("b"));
/// ```
///
/// # Errors
/// [`MalformedList`] if the value breaks the grammar.
pub fn parse_extensions(value: &str) -> Result<Vec<ExtensionOffer<'_>>, MalformedList> {
    let mut cursor = Cursor {
        text: value,
        pos: 0,
    };
    let mut offers = Vec::new();
    loop {
        cursor.skip_ows();
        match cursor.peek() {
            None => return Ok(offers),
            Some(b',') => cursor.pos += 1,
            Some(_) => offers.push(cursor.extension()?),
        }
    }
}

/// A read position in a header value.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// One extension and its parameters, up to and including the `,` that ends it.
    fn extension(&mut self) -> Result<ExtensionOffer<'a>, MalformedList> {
        let name = self.token()?;
        let mut params = Vec::new();
        loop {
            self.skip_ows();
            match self.peek() {
                None => break,
                Some(b',') => {
                    self.pos += 1;
                    break;
                }
                Some(b';') => {
                    self.pos += 1;
                    self.skip_ows();
                    params.push(self.param()?);
                }
                Some(_) => return Err(MalformedList),
            }
        }
        Ok(ExtensionOffer { name, params })
    }

    fn param(&mut self) -> Result<ExtensionParam<'a>, MalformedList> {
        let name = self.token()?;
        self.skip_ows();
        if self.peek() != Some(b'=') {
            return Ok(ExtensionParam { name, value: None });
        }
        self.pos += 1;
        self.skip_ows();
        let value = if self.peek() == Some(b'"') {
            self.quoted()?
        } else {
            Cow::Borrowed(self.token()?)
        };
        Ok(ExtensionParam {
            name,
            value: Some(value),
        })
    }

    fn token(&mut self) -> Result<&'a str, MalformedList> {
        let start = self.pos;
        while self.peek().is_some_and(is_tchar) {
            self.pos += 1;
        }
        match self.text.get(start..self.pos) {
            Some(token) if !token.is_empty() => Ok(token),
            _ => Err(MalformedList),
        }
    }

    /// A quoted-string starting at the opening quote, with quoted-pairs unescaped.
    fn quoted(&mut self) -> Result<Cow<'a, str>, MalformedList> {
        self.pos += 1;
        let start = self.pos;
        let mut unescaped: Option<Vec<u8>> = None;
        loop {
            let byte = self.peek().ok_or(MalformedList)?;
            match byte {
                b'"' => {
                    let raw = self.text.get(start..self.pos).ok_or(MalformedList)?;
                    self.pos += 1;
                    return match unescaped {
                        None => Ok(Cow::Borrowed(raw)),
                        Some(bytes) => String::from_utf8(bytes)
                            .map(Cow::Owned)
                            .map_err(|_| MalformedList),
                    };
                }
                b'\\' => {
                    let escaped = self.text.as_bytes().get(self.pos + 1).copied();
                    let escaped = escaped.filter(|&b| is_qdtext(b) || b == b'"' || b == b'\\');
                    let escaped = escaped.ok_or(MalformedList)?;
                    let seen = self
                        .text
                        .as_bytes()
                        .get(start..self.pos)
                        .unwrap_or_default();
                    unescaped.get_or_insert_with(|| seen.to_vec()).push(escaped);
                    self.pos += 2;
                }
                b if is_qdtext(b) => {
                    if let Some(bytes) = unescaped.as_mut() {
                        bytes.push(b);
                    }
                    self.pos += 1;
                }
                _ => return Err(MalformedList),
            }
        }
    }
}

/// `qdtext` of RFC 7230 §3.2.6 (tab, space, visible characters but `"` and `\`, obs-text).
fn is_qdtext(byte: u8) -> bool {
    matches!(byte, b'\t' | b' ' | 0x21 | 0x23..=0x5B | 0x5D..=0x7E | 0x80..=0xFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(value: &str) -> Vec<&str> {
        parse_extensions(value)
            .unwrap_or_default()
            .iter()
            .map(|o| o.name)
            .collect()
    }

    #[test]
    fn browser_offer() {
        let offers = parse_extensions("permessage-deflate; client_max_window_bits");
        assert_eq!(
            offers,
            Ok(vec![ExtensionOffer {
                name: "permessage-deflate",
                params: vec![ExtensionParam {
                    name: "client_max_window_bits",
                    value: None
                }],
            }])
        );
    }

    #[test]
    fn several_offers_and_empty_elements() {
        assert_eq!(
            names(" , permessage-deflate;server_no_context_takeover ,, x-webkit ,"),
            ["permessage-deflate", "x-webkit"]
        );
        assert_eq!(parse_extensions(""), Ok(vec![]));
    }

    #[test]
    fn values_token_and_quoted() {
        let offers = parse_extensions("e; a=10; b=\"11\"; c = \"q\\\"x\\\\\"; d=\"\"");
        let params = offers.map(|o| o[0].params.clone()).unwrap_or_default();
        let values: Vec<Option<&str>> = params.iter().map(|p| p.value.as_deref()).collect();
        assert_eq!(values, [Some("10"), Some("11"), Some("q\"x\\"), Some("")]);
        assert!(matches!(params[1].value, Some(Cow::Borrowed(_))));
    }

    #[test]
    fn malformed_values() {
        for bad in [
            "permessage-deflate;",
            "permessage-deflate; =1",
            "permessage-deflate; a=",
            "permessage-deflate; a=\"open",
            "permessage-deflate; a=\"bad\\",
            "permessage-deflate; a=b c",
            "per message",
            "a; b=\"x\"y",
            "é",
            ";",
            "a;b=\"\x01\"",
        ] {
            assert_eq!(parse_extensions(bad), Err(MalformedList), "{bad:?}");
        }
    }

    #[test]
    fn display_round_trips() {
        let text = "e; a; b=1; c=\"x y\"; d=\"q\\\"\\\\\"; f=\"\"";
        let offers = parse_extensions(text).unwrap_or_default();
        let written = offers[0].to_string();
        assert_eq!(written, text);
        assert_eq!(parse_extensions(&written), Ok(offers));
    }

    #[test]
    fn non_ascii_inside_quotes_is_kept() {
        let offers = parse_extensions("e; a=\"é\\é\"").unwrap_or_default();
        assert_eq!(offers[0].params[0].value.as_deref(), Some("éé"));
    }
}
