//! `h5ox`: list, dump and check HDF5 files.

mod ls;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// List and inspect HDF5 files without the C library.
#[derive(Parser)]
#[command(name = "h5ox", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List a group's members (like h5ls).
    ///
    /// Example: h5ox ls -r data.h5 /subPano
    Ls(ls::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ls(a) => ls::run(&a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("h5ox: {e}");
            ExitCode::from(1)
        }
    }
}
