//! The task runner's one error type: what failed, and what to do about it. Every task returns
//! it; `main` prints it and exits non-zero.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;

#[derive(Debug)]
pub enum Error {
    /// A command ran and failed; its own output says why.
    Failed { what: String, status: ExitStatus },
    /// A program could not be started at all (not installed, not on PATH).
    Start { program: String, source: io::Error },
    /// A file or folder could not be read or written.
    File { path: PathBuf, source: io::Error },
    /// Tools that `cargo xtask setup` could not install.
    Setup { missing: Vec<&'static str> },
    /// Trunk's output did not look as expected (a new Trunk version, say).
    TrunkOutput(String),
    /// A bad argument or input, with what to do.
    Usage(String),
    /// A check found a problem, said in full.
    Check(String),
}

pub type Result<T = ()> = std::result::Result<T, Error>;

impl Error {
    /// Wraps an I/O error with the path it happened on.
    pub fn file(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Error {
        let path = path.into();
        move |source| Error::File { path, source }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Failed { what, status } => write!(f, "{what} failed ({status})"),
            Error::Start { program, source } => write!(
                f,
                "could not start {program} ({source}); run `cargo xtask setup`"
            ),
            Error::File { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Setup { missing } => write!(
                f,
                "could not install: {}; see the table above for what to do",
                missing.join(", ")
            ),
            Error::TrunkOutput(what) => write!(f, "{what} (has Trunk changed?)"),
            Error::Usage(what) | Error::Check(what) => f.write_str(what),
        }
    }
}

impl std::error::Error for Error {}
