//! The crate's error types: [`Error`] for building label sets, and
//! [`ParseError`] with its [`Location`] for the parsers.

use std::fmt;

/// Where a parse error was found: a line and column of a text exposition
/// (both 1-based, the column counted in bytes), or a byte offset into a
/// protobuf payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Location {
    /// A position in a text exposition.
    Text {
        /// The 1-based line number.
        line: u32,
        /// The 1-based column, in bytes from the start of the line.
        column: u32,
    },
    /// A byte offset into a protobuf payload (the start of the
    /// length-delimited message at fault).
    Byte(usize),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Text { line, column } => write!(f, "line {line}, column {column}"),
            Location::Byte(offset) => write!(f, "byte {offset}"),
        }
    }
}

/// Everything that can go wrong building a label set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A label name does not match `[a-zA-Z_][a-zA-Z0-9_]*` or starts with `__`.
    #[error("invalid label name {0:?}: must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __")]
    InvalidLabelName(String),
    /// The same label name appears twice in one label set.
    #[error("duplicate label name {0:?}")]
    DuplicateLabelName(String),
}

/// Everything that can go wrong while parsing an exposition.
///
/// Kept apart from [`Error`] (construction errors) because downstream
/// crates match [`Error`] exhaustively.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The input does not follow the format's grammar: `expected` says
    /// what the parser was looking for, `found` what it saw instead.
    #[error("{at}: expected {expected}, found {found}")]
    Syntax {
        /// Where.
        at: Location,
        /// What the grammar allows here.
        expected: &'static str,
        /// The offending text (shortened), or `end of line`/`end of input`.
        found: String,
    },
    /// The bytes at this position are not valid UTF-8.
    #[error("{at}: invalid UTF-8")]
    InvalidUtf8 {
        /// Where the first invalid byte is.
        at: Location,
    },
    /// A sample value, timestamp, `le` or `quantile` is not a number in
    /// the format's syntax, or is out of range.
    #[error("{at}: invalid {what} {text:?}")]
    InvalidNumber {
        /// Where the number starts.
        at: Location,
        /// Which number: `value`, `timestamp`, `le`, `quantile`...
        what: &'static str,
        /// The text as written.
        text: String,
    },
    /// A metric or label name is not allowed (bad characters, empty, or
    /// the reserved `__name__` used as a label).
    #[error("{at}: invalid {what} {name:?}")]
    InvalidName {
        /// Where the name starts.
        at: Location,
        /// `metric name` or `label name`.
        what: &'static str,
        /// The name.
        name: String,
    },
    /// The same label name appears twice in one series or exemplar.
    #[error("{at}: duplicate label name {name:?}")]
    DuplicateLabel {
        /// Where the series starts.
        at: Location,
        /// The repeated name.
        name: String,
    },
    /// A `# TYPE` line names a type the format does not have.
    #[error("{at}: unknown metric type {found:?}")]
    UnknownType {
        /// Where the type starts.
        at: Location,
        /// The type as written.
        found: String,
    },
    /// An OpenMetrics exposition does not end with `# EOF`.
    #[error("{at}: missing `# EOF` at the end of the exposition")]
    MissingEof {
        /// The end of the input.
        at: Location,
    },
    /// An OpenMetrics exposition has data after its `# EOF` line.
    #[error("{at}: data after `# EOF`")]
    DataAfterEof {
        /// Where the extra data starts.
        at: Location,
    },
    /// The input is well-formed but breaks a rule of the format's data
    /// model (OpenMetrics: metadata order, name clashes, interleaving,
    /// histogram and counter semantics, exemplar placement and size...).
    #[error("{at}: {rule}")]
    Semantic {
        /// Where the offending line starts.
        at: Location,
        /// The rule broken, in words.
        rule: String,
    },
    /// This crate writes the format but cannot read it (JSON).
    #[error("no parser for the {0:?} format; use text, OpenMetrics or protobuf")]
    NoParser(crate::Format),
    /// A protobuf payload is truncated or not a valid `MetricFamily`.
    #[error("{at}: malformed protobuf: {reason}")]
    Protobuf {
        /// The offset of the length-delimited message.
        at: Location,
        /// What the decoder reported.
        reason: String,
    },
}

impl ParseError {
    /// Where the error is, if it has a place in the input.
    pub fn location(&self) -> Option<Location> {
        match self {
            ParseError::Syntax { at, .. }
            | ParseError::InvalidUtf8 { at }
            | ParseError::InvalidNumber { at, .. }
            | ParseError::InvalidName { at, .. }
            | ParseError::DuplicateLabel { at, .. }
            | ParseError::UnknownType { at, .. }
            | ParseError::MissingEof { at }
            | ParseError::DataAfterEof { at }
            | ParseError::Semantic { at, .. }
            | ParseError::Protobuf { at, .. } => Some(*at),
            ParseError::NoParser(_) => None,
        }
    }
}
