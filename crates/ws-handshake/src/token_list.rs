//! Comma-separated header lists (`#token` in RFC 7230), as used by `Connection`, `Upgrade` and
//! `Sec-WebSocket-Protocol`.

/// The non-empty elements of a comma-separated list, optional whitespace trimmed.
pub(crate) fn elements(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(|e| e.trim_ascii())
        .filter(|e| !e.is_empty())
}

/// Whether any of `values` (repeated headers) lists `token`, compared ASCII case-insensitively.
pub(crate) fn contains_token<'a>(values: impl Iterator<Item = &'a [u8]>, token: &str) -> bool {
    values
        .flat_map(elements)
        .any(|e| e.eq_ignore_ascii_case(token.as_bytes()))
}

/// Whether `byte` is a `tchar` of RFC 7230 §3.2.6.
pub(crate) fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Whether `text` is a non-empty `token`.
pub(crate) fn is_token(text: &[u8]) -> bool {
    !text.is_empty() && text.iter().all(|&b| is_tchar(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_skip_empty_and_trim() {
        let list: Vec<&[u8]> = elements(b" keep-alive ,, Upgrade,").collect();
        assert_eq!(list, [&b"keep-alive"[..], b"Upgrade"]);
    }

    #[test]
    fn tokens_across_repeated_headers() {
        let headers: [&[u8]; 2] = [b"keep-alive", b"UPGRADE"];
        assert!(contains_token(headers.into_iter(), "upgrade"));
        let headers: [&[u8]; 1] = [b"upgrade-insecure"];
        assert!(!contains_token(headers.into_iter(), "upgrade"));
    }

    #[test]
    fn token_syntax() {
        assert!(is_token(b"chat.v2"));
        assert!(!is_token(b"a b"));
        assert!(!is_token(b""));
        assert!(!is_token(b"a\r\n"));
    }
}
