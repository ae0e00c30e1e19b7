//! Names people give things (people, org units, goals, plans, tokens,
//! metrics): one rule for what a name may be, so that no page carries a
//! megabyte of name, a NUL that PostgreSQL refuses and SQLite keeps, or a
//! right-to-left override that makes one name look like another.

/// The longest name Attain keeps, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Nothing but spaces.
    #[error("a name cannot be empty")]
    Empty,
    /// Longer than [`MAX_NAME_CHARS`].
    #[error("a name is at most {MAX_NAME_CHARS} characters ({0} given)")]
    TooLong(usize),
    /// A control character (NUL, a line break, a tab, …) or an invisible
    /// character that changes how text around it reads (bidirectional
    /// overrides and isolates, zero-width space, byte-order mark).
    #[error("a name cannot contain the invisible or control character U+{0:04X}")]
    Hidden(u32),
}

/// Characters no name needs that make names read as something else.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}' | '\u{FEFF}')
}

/// A name as given, trimmed, if it is one.
pub fn name(text: &str) -> Result<&str, NameError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(NameError::Empty);
    }
    if let Some(c) = trimmed.chars().find(|c| is_hidden(*c)) {
        return Err(NameError::Hidden(u32::from(c)));
    }
    let chars = trimmed.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(NameError::TooLong(chars));
    }
    Ok(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded_and_carry_nothing_hidden() {
        assert_eq!(
            name("  华东 Sales \u{200D}team "),
            Ok("华东 Sales \u{200D}team")
        );
        assert_eq!(name("   "), Err(NameError::Empty));
        assert_eq!(name(&"x".repeat(201)), Err(NameError::TooLong(201)));
        assert_eq!(name(&"名".repeat(200)).map(str::len), Ok(600));
        assert_eq!(name("adm\0in"), Err(NameError::Hidden(0)));
        assert_eq!(
            name("Invoice\u{202E}fdp.exe"),
            Err(NameError::Hidden(0x202E))
        );
        assert_eq!(name("a\nb"), Err(NameError::Hidden(0x0A)));
        assert_eq!(
            name("a\u{200B}b").unwrap_err().to_string(),
            "a name cannot contain the invisible or control character U+200B"
        );
    }
}
