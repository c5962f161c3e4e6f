//! Shared by the C cross-check tests of the blosc, szip, nbit and scale-offset filters:
//! loads the chunks libhdf5 wrote (made by `gen.c`) and, when `h5cc` is available, builds
//! `gen.c` to have libhdf5 read chunks we encode.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Where the exported cases live.
pub fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gen2/cases")
}

/// One case: client data, the chunk as libhdf5 stored it, and libhdf5's decoded bytes.
pub struct Case {
    pub name: &'static str,
    pub params: Vec<u32>,
    pub chunk: Vec<u8>,
    pub raw: Vec<u8>,
}

/// Loads case `name` (the blosc cases share one decoded file).
pub fn load(name: &'static str) -> Case {
    let dir = cases_dir();
    let text = std::fs::read_to_string(dir.join(format!("{name}.params"))).unwrap();
    let params = text
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    let chunk = std::fs::read(dir.join(format!("{name}.chunk"))).unwrap();
    let raw_name = if name.starts_with("blosc_") {
        "blosc_data"
    } else {
        name
    };
    let raw = std::fs::read(dir.join(format!("{raw_name}.raw"))).unwrap();
    Case {
        name,
        params,
        chunk,
        raw,
    }
}

/// The built `gen` tool and the file of datasets it wrote.
pub struct Tool {
    exe: PathBuf,
    dir: PathBuf,
    lock: Mutex<()>,
}

fn plugin_path() -> Option<String> {
    std::env::var("HDF5_PLUGIN_PATH").ok().or_else(|| {
        let p = "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins";
        Path::new(p).exists().then(|| p.to_string())
    })
}

fn build() -> Option<Tool> {
    let h5cc = Command::new("h5cc").arg("-showconfig").output();
    if !matches!(h5cc, Ok(ref o) if o.status.success()) {
        return None;
    }
    let dir = std::env::temp_dir().join(format!(
        "h5oxide-gen2-{}-{}",
        std::process::id(),
        std::thread::current()
            .name()
            .unwrap_or("t")
            .replace("::", "_")
    ));
    std::fs::create_dir_all(&dir).ok()?;
    let tool = Tool {
        exe: dir.join("gen"),
        dir: dir.clone(),
        lock: Mutex::new(()),
    };
    let exe = tool.exe.clone();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gen2/gen.c");
    let ok = Command::new("h5cc")
        .arg("-shlib")
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .current_dir(&dir)
        .status()
        .ok()?
        .success();
    if !ok {
        return None;
    }
    let mut cmd = Command::new(&exe);
    cmd.arg("gen").arg(&dir);
    if let Some(p) = plugin_path() {
        cmd.env("HDF5_PLUGIN_PATH", p);
    }
    let out = cmd.output().ok()?;
    if !out.status.success() {
        eprintln!("gen failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    Some(tool)
}

/// Builds the tool in a fresh temporary folder (removed when the tool is dropped); `None`
/// (and a note on stderr) without `h5cc`.
pub fn tool() -> Option<Tool> {
    let t = build();
    if t.is_none() {
        eprintln!("skipped: h5cc (libhdf5) not available, C read-back check not run");
    }
    t
}

impl Drop for Tool {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Tool {
    /// Has libhdf5 store `chunk` as case `name`'s chunk and read the dataset back.
    pub fn read_back(&self, name: &str, chunk: &[u8]) -> Vec<u8> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let chunk_path = self.dir.join(format!("{name}.ours"));
        let out_path = self.dir.join(format!("{name}.back"));
        std::fs::write(&chunk_path, chunk).unwrap();
        let mut cmd = Command::new(&self.exe);
        cmd.arg("put")
            .arg(self.dir.join("cases.h5"))
            .arg(name)
            .arg(&chunk_path)
            .arg(&out_path);
        if let Some(p) = plugin_path() {
            cmd.env("HDF5_PLUGIN_PATH", p);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{name}: libhdf5 could not read our chunk: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(&out_path).unwrap()
    }
}
