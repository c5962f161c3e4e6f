//! `h5ox load-json`: an HDF5 file built from HDF5/JSON as `h5ox dump --json` writes it.

use std::path::PathBuf;

use crate::repack::BoxError;

/// Arguments of `h5ox load-json`.
#[derive(clap::Args)]
pub struct Args {
    /// The HDF5/JSON document.
    input: PathBuf,
    /// The HDF5 file to write (replaced if it exists).
    output: PathBuf,
}

/// Runs `h5ox load-json`.
///
/// # Errors
/// Always, for now.
pub fn run(a: &Args) -> Result<(), BoxError> {
    Err(format!("{}: load-json not yet supported", a.input.display()).into())
}
