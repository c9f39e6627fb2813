//! The log of `wsio`: a `tracing` subscriber writing to standard error, filtered by `--log`
//! (or `RUST_LOG`, else `info`), as human-readable or JSON lines.

use tracing_subscriber::EnvFilter;

use crate::args::{LogArgs, LogFormat};

/// Installs the subscriber; fails when the filter does not parse.
pub fn init(args: &LogArgs) -> Result<(), String> {
    let filter = match &args.log {
        Some(directives) => EnvFilter::try_new(directives)
            .map_err(|e| format!("bad --log filter {directives:?}: {e}"))?,
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
    };
    let colored = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colored)
        .with_writer(std::io::stderr);
    let installed = match args.log_format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    installed.map_err(|e| format!("cannot install the logger: {e}"))
}
