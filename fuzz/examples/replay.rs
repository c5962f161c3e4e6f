//! Runs inputs through a fuzz target once each, without the fuzzer: handy to debug a crash
//! with an ordinary build and backtrace.
//!
//! Usage: `replay TARGET FILE_OR_DIR...`.

use std::fs;
use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(target) = args.next() else {
        eprintln!("usage: replay TARGET FILE_OR_DIR...");
        std::process::exit(2);
    };
    let mut files: Vec<PathBuf> = Vec::new();
    for a in args {
        let p = PathBuf::from(a);
        match fs::read_dir(&p) {
            Ok(rd) => files.extend(rd.filter_map(|e| e.ok().map(|e| e.path()))),
            Err(_) => files.push(p),
        }
    }
    files.sort();
    for f in &files {
        let data = fs::read(f).expect("read input");
        eprintln!("{}", f.display());
        if !h5oxide_fuzz::targets::run(&target, &data) {
            eprintln!("no fuzz target named {target}");
            std::process::exit(2);
        }
    }
    println!("{} inputs ran through {target}", files.len());
}
