//! What a person is told about a file he gave: each problem names the
//! file, the row and the column, so it can be found and fixed.

use std::fmt;

/// One problem in an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    /// File name as given.
    pub file: String,
    /// 1-based line number in the file (the header is line 1); 0 for the file as a whole.
    pub row: usize,
    /// Column header, if the problem is in one cell.
    pub column: Option<String>,
    /// What is wrong.
    pub message: String,
    /// The offending value, if any.
    pub value: Option<String>,
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.row > 0 {
            write!(f, ":{}", self.row)?;
        }
        if let Some(column) = &self.column {
            write!(f, ":{column}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(value) = &self.value {
            write!(f, " ({value})")?;
        }
        Ok(())
    }
}
