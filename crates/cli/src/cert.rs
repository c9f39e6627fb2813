//! `wsio cert --out DIR`: a short-lived self-signed certificate for `wsio serve
//! --webtransport`, which browsers accept without a certificate authority when a page pins
//! its SHA-256 hash (`serverCertificateHashes` of the `WebTransport` constructor, and
//! socket.io-client's `transportOptions.webtransport`).
//!
//! Browsers pin only certificates that are valid for at most 14 days and carry an ECDSA
//! P-256 key (not RSA): the certificate made here is valid from an hour ago for 13 days, so a
//! server restarted daily with a fresh one keeps every page's pin valid for the day.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;

/// How long a certificate is valid, counted from an hour before it is made.
pub const VALIDITY: Duration = Duration::from_secs(13 * 24 * 3600 + 3600);

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The certificate, PEM (`--tls-cert`).
    pub cert: PathBuf,
    /// Its private key, PEM PKCS#8 (`--tls-key`).
    pub key: PathBuf,
    /// The SHA-256 of the certificate's DER: what a page pins.
    pub sha256: [u8; 32],
}

impl Generated {
    /// The hash in lower-case hex.
    pub fn hex(&self) -> String {
        self.sha256.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The hash in standard base64.
    pub fn base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.sha256)
    }
}

/// Makes an ECDSA P-256 key and a self-signed certificate for `names` (DNS names or IP
/// addresses), valid for [`VALIDITY`], and writes them as `cert.pem` and `key.pem` in `dir`
/// (created if needed; the key readable by its owner only, on Unix).
pub fn generate(dir: &Path, names: &[String]) -> Result<Generated, String> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| format!("key: {e}"))?;
    let mut params =
        rcgen::CertificateParams::new(names.to_vec()).map_err(|e| format!("names: {e}"))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| format!("clock: {e}"))?;
    let start = now.saturating_sub(Duration::from_secs(3600));
    params.not_before = rcgen::date_time_ymd(1970, 1, 1) + start;
    params.not_after = rcgen::date_time_ymd(1970, 1, 1) + start + VALIDITY;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "wsio WebTransport");
    let cert = params
        .self_signed(&key)
        .map_err(|e| format!("certificate: {e}"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let generated = Generated {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
        sha256: sha256(cert.der()),
    };
    write(&generated.cert, cert.pem().as_bytes(), false)?;
    write(&generated.key, key.serialize_pem().as_bytes(), true)?;
    Ok(generated)
}

/// The SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    let mut out = [0; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

fn write(path: &Path, bytes: &[u8], secret: bool) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    std::io::Write::write_all(&mut file, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_pem_pair_and_hashes_the_der() {
        let dir = std::env::temp_dir().join(format!("wsio-cert-{}", std::process::id()));
        let made =
            generate(&dir, &["127.0.0.1".to_owned(), "localhost".to_owned()]).expect("generated");
        let pem = std::fs::read_to_string(&made.cert).expect("cert");
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        let key = std::fs::read_to_string(&made.key).expect("key");
        assert!(key.contains("PRIVATE KEY"), "{key}");
        assert_eq!(made.hex().len(), 64);
        assert_eq!(made.base64().len(), 44);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
