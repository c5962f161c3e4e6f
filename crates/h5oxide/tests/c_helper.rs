//! The C library's side of the concurrency tests: `tests/c/lock_helper.c`, compiled with
//! `h5cc` once per test binary and run as a child process. Included with `#[path]`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::OnceLock;

/// The compiled helper, or `None` (after printing why) when `h5cc` is not installed.
pub fn helper() -> Option<&'static Path> {
    static EXE: OnceLock<Option<PathBuf>> = OnceLock::new();
    EXE.get_or_init(|| {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/lock_helper.c");
        let src = if src.exists() {
            src
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../h5oxide/tests/c/lock_helper.c")
        };
        let dir = std::env::temp_dir().join(format!("h5oxide-lock-helper-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let exe = dir.join("lock_helper");
        let out = match Command::new("h5cc")
            .arg(&src)
            .arg("-o")
            .arg(&exe)
            .current_dir(&dir)
            .output()
        {
            Ok(out) => out,
            Err(e) => {
                eprintln!("skipping: h5cc not available ({e}); install libhdf5-dev");
                return None;
            }
        };
        assert!(
            out.status.success(),
            "h5cc failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(exe)
    })
    .as_deref()
}

/// Runs `lock_helper CMD FILE [ARGS]` to completion; its exit code and stderr.
pub fn run(cmd: &str, file: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let out = Command::new(helper().expect("checked by the caller"))
        .arg(cmd)
        .arg(file)
        .args(args)
        .envs(env.iter().copied())
        .env_remove_if_absent(env)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

trait EnvDefault {
    fn env_remove_if_absent(&mut self, env: &[(&str, &str)]) -> &mut Self;
}

impl EnvDefault for Command {
    /// Children see no `HDF5_USE_FILE_LOCKING` from the test's own environment unless a
    /// test sets it: the tests assert libhdf5's default behaviour.
    fn env_remove_if_absent(&mut self, env: &[(&str, &str)]) -> &mut Self {
        if !env.iter().any(|(k, _)| *k == "HDF5_USE_FILE_LOCKING") {
            self.env_remove("HDF5_USE_FILE_LOCKING");
        }
        self
    }
}

/// A helper running in the background (`hold-rdwr`, `swmr-write`), told to finish by a line
/// on its stdin.
pub struct Running {
    child: Child,
    out: BufReader<ChildStdout>,
}

impl Running {
    /// Starts `lock_helper CMD FILE [ARGS]` and waits for its "ready" line; `Err` with its
    /// stderr if it exits instead.
    pub fn start(
        cmd: &str,
        file: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Running, String> {
        let mut child = Command::new(helper().expect("checked by the caller"))
            .arg(cmd)
            .arg(file)
            .args(args)
            .envs(env.iter().copied())
            .env_remove_if_absent(env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = BufReader::new(child.stdout.take().unwrap());
        let mut r = Running { child, out };
        if r.line().as_deref() == Some("ready") {
            Ok(r)
        } else {
            let out = r.child.wait_with_output().unwrap();
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// The next line the helper prints, if any.
    pub fn line(&mut self) -> Option<String> {
        let mut s = String::new();
        match self.out.read_line(&mut s) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(s.trim_end().to_owned()),
        }
    }

    /// Sends the helper a line (a "go on" for helpers that wait for one).
    pub fn send_line(&mut self) {
        let stdin = self.child.stdin.as_mut().expect("stdin is piped");
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    /// True once the helper has exited.
    pub fn exited(&mut self) -> bool {
        self.child.try_wait().unwrap().is_some()
    }

    /// Tells the helper to close its file and waits; its exit code.
    pub fn finish(mut self) -> i32 {
        if let Some(mut stdin) = self.child.stdin.take() {
            let _ = stdin.write_all(b"\n");
        }
        self.child.wait().unwrap().code().unwrap_or(-1)
    }
}
