//! Random secrets and how they are kept: Argon2id for passwords, SHA-256
//! for high-entropy tokens (sessions, API tokens), which need no salt or
//! stretching because they are 256 random bits.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

use crate::{AppError, AppResult, PasswordProblem};

/// Minimum password length accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Maximum password length accepted (bounds hashing work).
pub const MAX_PASSWORD_CHARS: usize = 256;

fn random_bytes<const N: usize>() -> AppResult<[u8; N]> {
    let mut buf = [0_u8; N];
    getrandom::fill(&mut buf).map_err(|e| AppError::Internal(format!("no randomness: {e}")))?;
    Ok(buf)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// A fresh 256-bit token, hex-encoded, with an optional prefix (`atn_` for
/// API tokens makes leaked ones easy to recognise and grep for).
pub fn new_token(prefix: &str) -> AppResult<String> {
    Ok(format!("{prefix}{}", hex(&random_bytes::<32>()?)))
}

/// The SHA-256 of a token, hex-encoded: what storage keeps.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// A random password of 16 characters from an alphabet without look-alikes
/// (no 0/O, 1/l/I), for one-time passwords shown once.
pub fn new_password() -> AppResult<String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(16);
    while out.len() < 16 {
        for b in random_bytes::<32>()? {
            // Rejection sampling keeps every character equally likely.
            let limit = 256 - (256 % ALPHABET.len());
            if usize::from(b) < limit && out.len() < 16 {
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    Ok(out)
}

/// Checks the password policy: 10 to 256 characters, at least four
/// different ones, not containing the login.
pub fn check_password_policy(password: &str, login: &str) -> AppResult<()> {
    let chars = password.chars().count();
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let problem = if chars < MIN_PASSWORD_CHARS {
        Some(PasswordProblem::TooShort)
    } else if chars > MAX_PASSWORD_CHARS {
        Some(PasswordProblem::TooLong)
    } else if distinct.len() < 4 {
        Some(PasswordProblem::TooFewDistinct)
    } else if too_common(password) {
        Some(PasswordProblem::TooCommon)
    } else if login.len() >= 3 && password.to_lowercase().contains(&login.to_lowercase()) {
        Some(PasswordProblem::ContainsLogin)
    } else {
        None
    };
    problem.map_or(Ok(()), |p| Err(AppError::WeakPassword(p)))
}

/// Words every password-guessing list starts with (in English and in the
/// pinyin Chinese users type), compared with what is left of a password
/// without its digits and symbols.
const COMMON_WORDS: &[&str] = &[
    "password",
    "passwort",
    "passw",
    "pass",
    "qwerty",
    "qwertz",
    "azerty",
    "letmein",
    "welcome",
    "admin",
    "administrator",
    "iloveyou",
    "monkey",
    "dragon",
    "sunshine",
    "football",
    "baseball",
    "master",
    "shadow",
    "login",
    "abc",
    "abcdef",
    "qazwsx",
    "asdfgh",
    "asdf",
    "zxcvbn",
    "changeme",
    "secret",
    "attain",
    "sales",
    "woaini",
    "nihao",
    "aini",
    "test",
    "guest",
    "root",
    "user",
];

/// Whether a password is a common word with digits or symbols around it
/// (`password123`, `Welcome2026!`), or no letters at all (`1234567890`).
fn too_common(password: &str) -> bool {
    let letters: String = password
        .chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect();
    letters.is_empty() || COMMON_WORDS.contains(&letters.as_str())
}

/// Hashes a password with Argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> AppResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("hashing failed: {e}")))
}

/// Whether `password` matches the stored PHC string.
pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Constant-time comparison of two secrets.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("anything", "not a hash"));
        assert_ne!(
            hash,
            hash_password("correct horse battery").unwrap(),
            "salted"
        );
    }

    #[test]
    fn tokens_are_random_and_stored_as_hashes() {
        let a = new_token("atn_").unwrap();
        let b = new_token("atn_").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 4 + 64);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
    }

    #[test]
    fn generated_passwords_pass_the_policy() {
        for _ in 0..20 {
            let p = new_password().unwrap();
            assert_eq!(p.chars().count(), 16);
            check_password_policy(&p, "admin").unwrap();
        }
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        let cases = [
            ("short", "at least 10"),
            ("aaaaaaaaaaaa", "more different"),
            ("my-admin-password", "must not contain the login"),
            // Found by attack: accepted before.
            ("password123", "first any attacker tries"),
            ("Welcome2026!", "first any attacker tries"),
            ("1234567890", "first any attacker tries"),
        ];
        for (pw, reason) in cases {
            let err = check_password_policy(pw, "admin").unwrap_err().to_string();
            assert!(err.contains(reason), "{pw}: {err}");
        }
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
    }
}
