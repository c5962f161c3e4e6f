//! Shared helpers of the write tests: temporary files, `h5dump`, and the C library's walk
//! (the conformance crate's `c-walk` binary) parsed from its JSON. Included by the
//! `write_*` tests with `#[path]`; it has no tests of its own.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Both format generations, with a tag for file names.
pub const BOTH: [(h5oxide::Libver, &str); 2] = [
    (h5oxide::Libver::Earliest, "earliest"),
    (h5oxide::Libver::Latest, "latest"),
];

/// Creates (truncating) a file of the given generation.
pub fn create(path: &Path, libver: h5oxide::Libver) -> h5oxide::File {
    h5oxide::File::options()
        .mode(h5oxide::Mode::Create)
        .libver(libver)
        .open(path)
        .unwrap()
}

pub const PLUGIN_PATH: &str = "/usr/lib/x86_64-linux-gnu/hdf5/serial/plugins";

/// A fresh directory for one test, removed when the test passes (kept for inspection when
/// it fails).
pub struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

pub fn temp_dir(name: &str) -> TempDir {
    let d = std::env::temp_dir().join(format!("h5oxide-write-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    TempDir(d)
}

/// Runs `h5dump ARGS FILE`, asserts it exits 0, returns its output.
pub fn h5dump(file: &Path, args: &[&str]) -> String {
    let out = Command::new("h5dump")
        .args(args)
        .arg(file)
        .env("HDF5_PLUGIN_PATH", PLUGIN_PATH)
        // Content checks, also of files this process still holds open for writing (whose
        // lock libhdf5 would otherwise respect); tests/locking.rs covers the locks.
        .env("HDF5_USE_FILE_LOCKING", "FALSE")
        .output()
        .expect("h5dump is installed (hdf5-tools)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "h5dump {args:?} {} failed: {}\n{text}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

/// The `c-walk` binary: next to the test binaries when the workspace was built, else built
/// once in a directory of its own (a nested cargo must not wait on this build's lock).
fn c_walk_exe() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        helper_binary(
            Some("H5OXIDE_C_WALK"),
            "c-walk",
            &["-p", "h5oxide-conformance", "--bin", "c-walk"],
            "write-tests-c-walk",
        )
    })
}

/// A binary of the workspace a test runs: the path in the environment variable `env`, if
/// given and set; else `rel` under the test binary's profile folder, where `cargo test` of the
/// workspace builds binaries and examples; else built with `cargo build -q ARGS` into a
/// target folder of its own named `own_target` beside the profile folder (a nested cargo
/// must not wait on the running build's lock) and found at `rel` there.
pub fn helper_binary(env: Option<&str>, rel: &str, args: &[&str], own_target: &str) -> PathBuf {
    if let Some(p) = env.and_then(std::env::var_os) {
        return PathBuf::from(p);
    }
    let me = std::env::current_exe().unwrap();
    let profile_dir = me.parent().and_then(Path::parent).unwrap().to_path_buf();
    let beside = profile_dir.join(rel);
    if beside.exists() {
        return beside;
    }
    let target = profile_dir.parent().unwrap().join(own_target);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .arg("build")
        .arg("-q")
        .args(args)
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(root)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building {rel} failed");
    target.join("debug").join(rel)
}

/// hdf5plugin's plugin folder (Blosc2 and the other plugins Debian does not package), when
/// installed: `H5OXIDE_HDF5PLUGIN_DIR`, which `.ci/run` sets after installing hdf5plugin.
pub fn hdf5plugin_dir() -> Option<PathBuf> {
    let d = PathBuf::from(std::env::var_os("H5OXIDE_HDF5PLUGIN_DIR")?);
    d.join("libh5blosc2.so").exists().then_some(d)
}

/// The C library's walk of `file` (tests/WALK_FORMAT.md), parsed.
pub fn c_walk(file: &Path) -> Json {
    c_walk_with_plugins(file, PLUGIN_PATH)
}

/// As [`c_walk`], with the C library's plugins loaded from `plugin_path`.
pub fn c_walk_with_plugins(file: &Path, plugin_path: &str) -> Json {
    let out = Command::new(c_walk_exe())
        .arg(file)
        .env("HDF5_PLUGIN_PATH", plugin_path)
        .env("HDF5_USE_FILE_LOCKING", "FALSE")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "c-walk {} failed: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Json::parse(&text)
}

/// The object at `path` in a walk.
pub fn walk_object<'a>(walk: &'a Json, path: &str) -> &'a Json {
    walk["objects"]
        .as_array()
        .iter()
        .find(|o| o["path"].as_str() == path)
        .unwrap_or_else(|| panic!("the C walk has no object {path}"))
}

/// Every path of a walk, in its order.
pub fn walk_paths(walk: &Json) -> Vec<String> {
    walk["objects"]
        .as_array()
        .iter()
        .map(|o| o["path"].as_str().to_owned())
        .collect()
}

/// The attribute `name` of a walk object.
pub fn walk_attr<'a>(obj: &'a Json, name: &str) -> &'a Json {
    obj["attrs"]
        .as_array()
        .iter()
        .find(|a| a["name"].as_str() == name)
        .unwrap_or_else(|| panic!("no attribute {name}"))
}

/// A walk's integer values, flattened.
pub fn ints(v: &Json) -> Vec<i64> {
    let mut out = Vec::new();
    fn go(v: &Json, out: &mut Vec<i64>) {
        match v {
            Json::Num(n) => out.push(n.parse().unwrap()),
            Json::Arr(a) => a.iter().for_each(|x| go(x, out)),
            other => panic!("not an integer: {other:?}"),
        }
    }
    go(v, &mut out);
    out
}

/// A walk's float values ("0x<bits>" strings), flattened, as f64.
pub fn floats(v: &Json, size: usize) -> Vec<f64> {
    let mut out = Vec::new();
    fn go(v: &Json, size: usize, out: &mut Vec<f64>) {
        match v {
            Json::Str(s) => {
                let bits = u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap();
                out.push(if size == 4 {
                    f64::from(f32::from_bits(bits as u32))
                } else {
                    f64::from_bits(bits)
                });
            }
            Json::Arr(a) => a.iter().for_each(|x| go(x, size, out)),
            other => panic!("not a float: {other:?}"),
        }
    }
    go(v, size, &mut out);
    out
}

/// A JSON value (enough of JSON for the walk).
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number's text.
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(BTreeMap<String, Json>),
}

static NULL: Json = Json::Null;

impl std::ops::Index<&str> for Json {
    type Output = Json;
    fn index(&self, key: &str) -> &Json {
        match self {
            Json::Obj(m) => m.get(key).unwrap_or(&NULL),
            _ => &NULL,
        }
    }
}

impl Json {
    pub fn as_str(&self) -> &str {
        match self {
            Json::Str(s) => s,
            other => panic!("not a string: {other:?}"),
        }
    }

    pub fn as_array(&self) -> &[Json] {
        match self {
            Json::Arr(a) => a,
            other => panic!("not an array: {other:?}"),
        }
    }

    pub fn as_u64s(&self) -> Vec<Option<u64>> {
        self.as_array()
            .iter()
            .map(|v| match v {
                Json::Null => None,
                Json::Num(n) => Some(n.parse().unwrap()),
                other => panic!("not a dimension: {other:?}"),
            })
            .collect()
    }

    pub fn parse(text: &str) -> Json {
        let b = text.as_bytes();
        let mut i = 0;
        let v = value(b, &mut i);
        ws(b, &mut i);
        assert_eq!(i, b.len(), "trailing JSON");
        v
    }
}

fn ws(b: &[u8], i: &mut usize) {
    while *i < b.len() && b[*i].is_ascii_whitespace() {
        *i += 1;
    }
}

fn value(b: &[u8], i: &mut usize) -> Json {
    ws(b, i);
    match b[*i] {
        b'n' => {
            *i += 4;
            Json::Null
        }
        b't' => {
            *i += 4;
            Json::Bool(true)
        }
        b'f' => {
            *i += 5;
            Json::Bool(false)
        }
        b'"' => Json::Str(string(b, i)),
        b'[' => {
            *i += 1;
            let mut out = Vec::new();
            loop {
                ws(b, i);
                if b[*i] == b']' {
                    *i += 1;
                    return Json::Arr(out);
                }
                out.push(value(b, i));
                ws(b, i);
                if b[*i] == b',' {
                    *i += 1;
                }
            }
        }
        b'{' => {
            *i += 1;
            let mut out = BTreeMap::new();
            loop {
                ws(b, i);
                if b[*i] == b'}' {
                    *i += 1;
                    return Json::Obj(out);
                }
                let k = string(b, i);
                ws(b, i);
                assert_eq!(b[*i], b':');
                *i += 1;
                let v = value(b, i);
                out.insert(k, v);
                ws(b, i);
                if b[*i] == b',' {
                    *i += 1;
                }
            }
        }
        _ => {
            let start = *i;
            while *i < b.len()
                && (b[*i] == b'-'
                    || b[*i] == b'+'
                    || b[*i] == b'.'
                    || b[*i].is_ascii_alphanumeric())
            {
                *i += 1;
            }
            Json::Num(String::from_utf8(b[start..*i].to_vec()).unwrap())
        }
    }
}

fn string(b: &[u8], i: &mut usize) -> String {
    assert_eq!(b[*i], b'"');
    *i += 1;
    let mut out = Vec::new();
    while b[*i] != b'"' {
        if b[*i] == b'\\' {
            *i += 1;
            match b[*i] {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'b' => out.push(8),
                b'f' => out.push(12),
                b'u' => {
                    let hex = std::str::from_utf8(&b[*i + 1..*i + 5]).unwrap();
                    let c = char::from_u32(u32::from_str_radix(hex, 16).unwrap()).unwrap_or('?');
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    *i += 4;
                }
                c => out.push(c),
            }
        } else {
            out.push(b[*i]);
        }
        *i += 1;
    }
    *i += 1;
    String::from_utf8(out).unwrap()
}
