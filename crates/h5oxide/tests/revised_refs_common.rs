//! Shared helpers of the revised reference tests: the fixtures of
//! `fixtures/files_revised_refs/`, h5oxide's reading of references as text, and the same
//! text from libhdf5 1.12+ (`fixtures/revised_refs.py check`, run when
//! `H5OXIDE_HDF5_114_LIB` names that library). Included with `#[path]`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use h5oxide::format::selection::Selection as Stored;
use h5oxide::types::Reference;
use h5oxide::Object;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

pub fn fixture(name: &str) -> PathBuf {
    fixtures().join("files_revised_refs").join(name)
}

/// What the generator wrote into `/refs` and `/@refs` (fixtures/revised_refs.py), in the
/// checker's words.
pub const FIXTURE_REFS: [&str; 7] = [
    "object /data",
    "object /group",
    "region /data hyperslab (2)-(2) (4)-(4) (6)-(6)",
    "region /grid points (0,1) (3,4) (2,2)",
    "attribute /data@scale",
    "attribute /group@units",
    "null",
];

pub const FIXTURE_EXTERNAL: [&str; 2] = [
    "object revised_refs_target.h5:/data",
    "attribute revised_refs_target.h5:/data@scale",
];

/// The name of the object at `address` of the file at `path`.
fn name_at(path: &Path, address: u64) -> String {
    let f = h5oxide::File::open(path).unwrap();
    h5oxide::types::ObjectRef::from_address(address)
        .open(&f)
        .unwrap()
        .name()
        .to_owned()
}

/// `r` as the checker prints it; objects of other files are looked up in `dir`.
pub fn describe(r: &Reference, file: &Path) -> String {
    let dir = file.parent().unwrap();
    let (Some(address), other) = (r.address(), r.file()) else {
        return "null".into();
    };
    let name = match other {
        Some(f) => format!("{f}:{}", name_at(&dir.join(f), address)),
        None => name_at(file, address),
    };
    match r {
        Reference::Object { .. } => format!("object {name}"),
        Reference::Attribute { name: a, .. } => format!("attribute {name}@{a}"),
        Reference::Region { selection, .. } => {
            let sel = match selection {
                Stored::All => "all".to_owned(),
                Stored::None => "none".to_owned(),
                Stored::Points(p) => {
                    let pts: Vec<String> =
                        p.points.iter().map(|c| format!("({})", join(c))).collect();
                    format!("points {}", pts.join(" "))
                }
                Stored::Hyperslab(h) => {
                    let bs: Vec<String> = h
                        .blocks(1 << 20)
                        .unwrap()
                        .iter()
                        .map(|b| format!("({})-({})", join(&b.start), join(&b.end)))
                        .collect();
                    format!("hyperslab {}", bs.join(" "))
                }
            };
            format!("region {name} {sel}")
        }
        other => panic!("unexpected reference {other:?}"),
    }
}

fn join(v: &[u64]) -> String {
    v.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

/// Lines `"<name>[i] <description>"` as the checker prints them.
pub fn lines(name: &str, descriptions: &[String]) -> Vec<String> {
    descriptions
        .iter()
        .enumerate()
        .map(|(i, d)| format!("{name}[{i}] {d}"))
        .collect()
}

/// h5oxide's reading of the references in `file` at `names` (`/ds` or `/obj@attr`).
pub fn oxide_lines(file: &Path, names: &[&str]) -> Vec<String> {
    let f = h5oxide::File::open(file).unwrap();
    let mut out = Vec::new();
    for name in names {
        let refs: Vec<Reference> = match name.split_once('@') {
            Some((obj, attr)) => {
                let o = if obj.is_empty() || obj == "/" {
                    Object::Group(f.root())
                } else {
                    f.root().object(obj).unwrap()
                };
                let attrs = match o {
                    Object::Group(g) => g.attrs(),
                    Object::Dataset(d) => d.attrs(),
                    _ => panic!("{name}"),
                };
                attrs.attr(attr).unwrap().read_raw().unwrap()
            }
            None => f.root().dataset(name).unwrap().read_raw().unwrap(),
        };
        let d: Vec<String> = refs.iter().map(|r| describe(r, file)).collect();
        out.extend(lines(name, &d));
    }
    out
}

/// The references the HDF5 1.12+ library reads from `file`, or `None` (with the reason
/// printed) when that library is not available.
pub fn c_lines(file: &Path, names: &[&str]) -> Option<Vec<String>> {
    let Some(lib) = std::env::var_os("H5OXIDE_HDF5_114_LIB") else {
        println!(
            "H5OXIDE_HDF5_114_LIB not set: the check with libhdf5 1.12+ is skipped \
             (set it to the libhdf5 of an h5py wheel, see fixtures/revised_refs.py)"
        );
        return None;
    };
    if !Path::new(&lib).exists() {
        println!("H5OXIDE_HDF5_114_LIB={lib:?} does not exist: check skipped");
        return None;
    }
    let out = Command::new("python3")
        .arg(fixtures().join("revised_refs.py"))
        .arg("check")
        .arg(file.file_name().unwrap())
        .args(names)
        .current_dir(file.parent().unwrap())
        .env("H5OXIDE_HDF5_114_LIB", &lib)
        // libhdf5 reopens the file an external reference names for writing (an exclusive
        // lock): checkers of tests running side by side would refuse each other.
        .env("HDF5_USE_FILE_LOCKING", "FALSE")
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "checker failed on {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect(),
    )
}

pub fn expected(name: &str, items: &[&str]) -> Vec<String> {
    let d: Vec<String> = items.iter().map(|s| (*s).to_owned()).collect();
    lines(name, &d)
}
