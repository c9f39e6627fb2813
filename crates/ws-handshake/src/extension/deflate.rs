//! permessage-deflate (RFC 7692): the negotiated configuration and the checks on its four
//! parameters shared by both sides.

use crate::extension::offer::ExtensionParam;

/// The extension name registered by RFC 7692.
pub const PERMESSAGE_DEFLATE: &str = "permessage-deflate";

/// The smallest LZ77 window RFC 7692 allows, as a power of two.
pub const MIN_WINDOW_BITS: u8 = 8;
/// The largest (and default) LZ77 window, as a power of two: 32 KiB.
pub const MAX_WINDOW_BITS: u8 = 15;

/// What both ends agreed for permessage-deflate. Fields are named from the protocol's point of
/// view ("server" compresses server-to-client messages), identical on both sides.
///
/// Memory per connection grows with the windows: a compressor holds about
/// `2^(bits+2)` bytes of window plus hash tables and a decompressor `2^bits`, so 15/15 costs
/// roughly 200-300 KiB with zlib defaults and 9/9 a tenth of that. Disabling context takeover
/// frees the window between messages at the price of compression ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PerMessageDeflateConfig {
    /// The server resets its compressor after each message.
    pub server_no_context_takeover: bool,
    /// The client resets its compressor after each message.
    pub client_no_context_takeover: bool,
    /// The server compresses with a window of at most `2^server_max_window_bits` bytes (8..=15).
    pub server_max_window_bits: u8,
    /// The client compresses with a window of at most `2^client_max_window_bits` bytes (8..=15).
    pub client_max_window_bits: u8,
}

impl Default for PerMessageDeflateConfig {
    /// Context takeover on both sides and 32 KiB windows: what an offer without parameters
    /// agrees to.
    fn default() -> Self {
        PerMessageDeflateConfig {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: MAX_WINDOW_BITS,
            client_max_window_bits: MAX_WINDOW_BITS,
        }
    }
}

/// The parameters of one permessage-deflate element, checked for RFC 7692 syntax.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct DeflateParams {
    pub(crate) server_no_context_takeover: bool,
    pub(crate) client_no_context_takeover: bool,
    /// Present with its value.
    pub(crate) server_max_window_bits: Option<u8>,
    /// Present, with or without a value.
    pub(crate) client_max_window_bits: Option<Option<u8>>,
}

/// Reads the parameters of one permessage-deflate element: every parameter known, none twice,
/// the flags valueless, window bits a decimal in 8..=15 (optional only for
/// `client_max_window_bits`). The error says which rule broke.
pub(crate) fn read_params(params: &[ExtensionParam<'_>]) -> Result<DeflateParams, &'static str> {
    let mut read = DeflateParams::default();
    let mut seen = [false; 4];
    for param in params {
        let value = param.value.as_deref();
        let slot = match param.name {
            "server_no_context_takeover" => {
                read.server_no_context_takeover = flag(value)?;
                0
            }
            "client_no_context_takeover" => {
                read.client_no_context_takeover = flag(value)?;
                1
            }
            "server_max_window_bits" => {
                let bits = value.ok_or("server_max_window_bits needs a value")?;
                read.server_max_window_bits = Some(window_bits(bits)?);
                2
            }
            "client_max_window_bits" => {
                read.client_max_window_bits = Some(value.map(window_bits).transpose()?);
                3
            }
            _ => return Err("unknown parameter"),
        };
        if std::mem::replace(&mut seen[slot], true) {
            return Err("parameter repeated");
        }
    }
    Ok(read)
}

fn flag(value: Option<&str>) -> Result<bool, &'static str> {
    match value {
        None => Ok(true),
        Some(_) => Err("no_context_takeover takes no value"),
    }
}

/// A window size: `1*DIGIT` without leading zero, in 8..=15.
fn window_bits(value: &str) -> Result<u8, &'static str> {
    let well_formed = !value.is_empty()
        && value.len() <= 2
        && value.bytes().all(|b| b.is_ascii_digit())
        && !value.starts_with('0');
    match value.parse::<u8>() {
        Ok(bits) if well_formed && (MIN_WINDOW_BITS..=MAX_WINDOW_BITS).contains(&bits) => Ok(bits),
        _ => Err("window bits must be 8..=15"),
    }
}

/// Appends `; name` or `; name=value` to an extension header being built.
pub(crate) fn push_param(out: &mut String, name: &str, value: Option<u8>) {
    out.push_str("; ");
    out.push_str(name);
    if let Some(value) = value {
        out.push('=');
        out.push_str(&value.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extension::offer::parse_extensions;

    fn read(value: &str) -> Result<DeflateParams, &'static str> {
        let offers = parse_extensions(value).map_err(|_| "syntax")?;
        read_params(&offers.first().ok_or("empty")?.params)
    }

    #[test]
    fn all_four_parameters() {
        let params = read(
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
             server_max_window_bits=10; client_max_window_bits=\"9\"",
        );
        assert_eq!(
            params,
            Ok(DeflateParams {
                server_no_context_takeover: true,
                client_no_context_takeover: true,
                server_max_window_bits: Some(10),
                client_max_window_bits: Some(Some(9)),
            })
        );
        assert_eq!(
            read("permessage-deflate; client_max_window_bits").map(|p| p.client_max_window_bits),
            Ok(Some(None))
        );
    }

    #[test]
    fn rejected_parameters() {
        for (value, why) in [
            (
                "x; server_max_window_bits",
                "server_max_window_bits needs a value",
            ),
            ("x; server_max_window_bits=7", "window bits must be 8..=15"),
            ("x; server_max_window_bits=16", "window bits must be 8..=15"),
            (
                "x; client_max_window_bits=010",
                "window bits must be 8..=15",
            ),
            ("x; client_max_window_bits=09", "window bits must be 8..=15"),
            ("x; client_max_window_bits=+9", "window bits must be 8..=15"),
            (
                "x; client_max_window_bits=\"\"",
                "window bits must be 8..=15",
            ),
            (
                "x; server_no_context_takeover=1",
                "no_context_takeover takes no value",
            ),
            (
                "x; client_no_context_takeover; client_no_context_takeover",
                "parameter repeated",
            ),
            (
                "x; server_max_window_bits=9; server_max_window_bits=9",
                "parameter repeated",
            ),
            ("x; mystery", "unknown parameter"),
            ("x; Server_No_Context_Takeover", "unknown parameter"),
        ] {
            assert_eq!(read(value), Err(why), "{value}");
        }
    }

    #[test]
    fn window_bits_bounds() {
        assert_eq!(window_bits("8"), Ok(8));
        assert_eq!(window_bits("15"), Ok(15));
        assert!(window_bits("255").is_err());
    }

    #[test]
    fn params_render() {
        let mut out = String::from(PERMESSAGE_DEFLATE);
        push_param(&mut out, "client_max_window_bits", None);
        push_param(&mut out, "server_max_window_bits", Some(12));
        assert_eq!(
            out,
            "permessage-deflate; client_max_window_bits; server_max_window_bits=12"
        );
    }
}
