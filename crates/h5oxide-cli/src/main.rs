//! `h5ox`: list, dump, export, import, check, summarise, repack and rebuild HDF5 files.

use std::process::ExitCode;

fn main() -> ExitCode {
    h5oxide_cli::run_cli()
}
