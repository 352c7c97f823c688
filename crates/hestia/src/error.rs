//! The crate's error type: what the TSDB tools can run into.

use std::path::PathBuf;

use crate::openmetrics::ParseError;

/// What went wrong in a TSDB tool.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input file is not valid OpenMetrics text (or breaks a rule of
    /// the import, such as a sample without a timestamp). Nothing was
    /// written.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Reading the input failed.
    #[error("reading input: {0}")]
    Input(std::io::Error),
    /// A file-system operation failed.
    #[error("{op} {path}: {error}")]
    Io {
        /// What was being done, e.g. "reading input".
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error (in the message, so not also
        /// a `source`: the binary prints the chain).
        error: std::io::Error,
    },
    /// Writing to the output stream failed (for example a closed pipe).
    #[error("writing output: {0}")]
    Output(std::io::Error),
    /// The TSDB refused an operation or found damage.
    #[error(transparent)]
    Tsdb(#[from] hestia_tsdb::Error),
    /// Reading through the storage contract failed.
    #[error("reading the database: {0}")]
    Storage(String),
    /// A command-line value that cannot work: a bad duration, selector or
    /// time range. The message says which and why.
    #[error("{0}")]
    Invalid(String),
    /// The crash test's verification found a committed batch missing or a
    /// batch half present.
    #[error("verification failed: {0}")]
    Verify(String),
}

impl Error {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            op,
            path: path.into(),
            error: source,
        }
    }
}

impl From<hestia_storage::StorageError> for Error {
    fn from(e: hestia_storage::StorageError) -> Error {
        Error::Storage(e.to_string())
    }
}
