//! `c-walk FILE...` prints the C library's walk of each file as canonical JSON.
//! `c-walk --write-expect DIR` writes `DIR/<stem>.json` for every `*.h5` under
//! `fixtures/files/` (recursively), walking each file in a child process of its own.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use h5oxide_conformance::{c_walk, corpus};

fn usage() -> ExitCode {
    eprintln!("usage: c-walk FILE...\n       c-walk --write-expect DIR");
    ExitCode::from(2)
}

fn write_expect(dir: &Path) -> Result<usize, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let files = corpus::fixture_files(&corpus::files_dir())?;
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    for f in &files {
        let walk = corpus::c_walk_in_child(&exe, f)?;
        let out = dir.join(format!("{}.json", corpus::stem(f)));
        std::fs::write(&out, walk.to_canonical_json())
            .map_err(|e| format!("{}: {e}", out.display()))?;
    }
    Ok(files.len())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => usage(),
        [flag, dir] if flag == "--write-expect" => match write_expect(&PathBuf::from(dir)) {
            Ok(n) => {
                eprintln!("wrote {n} expectation files to {dir}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("c-walk: {e}");
                ExitCode::FAILURE
            }
        },
        [flag, ..] if flag.starts_with("--") => usage(),
        files => {
            let mut status = ExitCode::SUCCESS;
            for f in files {
                match c_walk(Path::new(f)) {
                    Ok(w) => print!("{}", w.to_canonical_json()),
                    Err(e) => {
                        eprintln!("c-walk: {f}: {e}");
                        status = ExitCode::FAILURE;
                    }
                }
            }
            status
        }
    }
}
