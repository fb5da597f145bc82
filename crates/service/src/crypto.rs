//! Small cryptographic helpers, all built on well-kept RustCrypto crates.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use lotse_domain::DomainError;
use sha2::{Digest, Sha256};

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the operating system provides randomness");
    b
}

/// 256 random bits as URL-safe text: session cookies, token secrets, CSRF tokens.
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Compares in constant time, so that a CSRF token cannot be guessed byte by byte.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// argon2id with the crate's defaults (OWASP's recommended 19 MiB, t=2).
pub fn hash_password(password: &str) -> Result<String, DomainError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).map_err(DomainError::internal)?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(DomainError::internal)
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

/// A hash to compare against when the login does not exist, so that an
/// unknown login takes as long as a wrong password.
pub fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("lotse-dummy-password").expect("hashing works"))
}

/// The shortest password Lotse accepts. Social data wants more than the
/// usual 8: 12 characters (a passphrase of three words is easy to remember);
/// decision 52. Demo logins ("demo") are stored as hashes and never pass here.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Checks a new password (`login`: the account's, which it must not be).
pub fn check_password_policy(password: &str, login: &str) -> Result<(), DomainError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(DomainError::invalid(
            "password",
            format!(
                "Das Passwort muss mindestens {MIN_PASSWORD_CHARS} Zeichen haben – gut merken lässt sich ein Satz aus drei oder vier Wörtern."
            ),
            format!("The password must have at least {MIN_PASSWORD_CHARS} characters."),
        ));
    }
    let lower = password.to_lowercase();
    if !login.is_empty() && lower.contains(&login.to_lowercase()) {
        return Err(DomainError::invalid(
            "password",
            "Das Passwort darf den Anmeldenamen nicht enthalten.",
            "The password must not contain the login.",
        ));
    }
    if password.chars().all(|c| c == password.chars().next().unwrap_or(c)) {
        return Err(DomainError::invalid(
            "password",
            "Das Passwort besteht aus einem einzigen wiederholten Zeichen.",
            "The password repeats one character.",
        ));
    }
    Ok(())
}

const ENC_PREFIX: &str = "enc:v1:";

/// Encrypts `plain` with a person's key; `context` (tenant and person) is
/// bound as associated data, so a ciphertext cannot be moved to another person.
pub fn seal(key: &[u8], context: &str, plain: &str) -> Result<String, DomainError> {
    let cipher = XChaCha20Poly1305::new_from_slice(key).map_err(DomainError::internal)?;
    let nonce = random_bytes::<24>();
    let ct = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain.as_bytes(), aad: context.as_bytes() })
        .map_err(DomainError::internal)?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    Ok(format!("{ENC_PREFIX}{}", STANDARD.encode(out)))
}

pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(ENC_PREFIX)
}

pub fn open(key: &[u8], context: &str, stored: &str) -> Option<String> {
    let raw = STANDARD.decode(stored.strip_prefix(ENC_PREFIX)?).ok()?;
    if raw.len() < 24 {
        return None;
    }
    let cipher = XChaCha20Poly1305::new_from_slice(key).ok()?;
    let plain =
        cipher.decrypt(XNonce::from_slice(&raw[..24]), Payload { msg: &raw[24..], aad: context.as_bytes() }).ok()?;
    String::from_utf8(plain).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_context() {
        let k = random_bytes::<32>();
        let s = seal(&k, "t/p1", "{\"family_name\":\"Yilmaz\"}").unwrap();
        assert!(!s.contains("Yilmaz"));
        assert_eq!(open(&k, "t/p1", &s).unwrap(), "{\"family_name\":\"Yilmaz\"}");
        assert!(open(&k, "t/p2", &s).is_none());
        assert!(open(&random_bytes::<32>(), "t/p1", &s).is_none());
    }

    #[test]
    fn passwords_verify() {
        let h = hash_password("geheim").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("geheim", &h));
        assert!(!verify_password("Geheim", &h));
    }
}
