//! Virtual datasets, external raw data files and external links, read from the fixture
//! corpus (fixtures/src/vds.rs, external.rs, links.rs write them with libhdf5) and compared
//! with the values the generator wrote and, when `h5dump` is on the PATH, with what the C
//! library reads from the same files.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use h5oxide::external_link::NOT_FOUND;
use h5oxide::{DimSlice, Error, File, Object, Selection};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/files")
}

fn open(name: &str) -> File {
    File::open(fixtures().join(name)).unwrap()
}

fn i32s(bytes: &[u8]) -> Vec<i32> {
    bytes
        .chunks_exact(4)
        .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Every element, over the extent libhdf5 reports (computed from the sources for a
/// virtual dataset with unlimited mappings).
fn read_all(d: &h5oxide::Dataset) -> Vec<u8> {
    let shape = d.virtual_shape().unwrap();
    d.read_bytes_selection(&Selection::all(&shape)).unwrap()
}

fn read_i32(f: &File, path: &str) -> Vec<i32> {
    i32s(&read_all(&f.root().dataset(path).unwrap()))
}

/// `vds_src_K.h5:/data`: `K * 100 + i`, 10 elements.
fn source(k: i32) -> Vec<i32> {
    (0..10).map(|i| k * 100 + i).collect()
}

fn has_h5dump() -> bool {
    Command::new("h5dump").arg("--version").output().is_ok()
}

/// The dataset's bytes as libhdf5 reads them (`h5dump -b FILE`), run in `cwd` with `env`;
/// `None` when `h5dump` is not installed.
fn h5dump_bytes(file: &Path, path: &str, cwd: &Path, env: &[(&str, &str)]) -> Option<Vec<u8>> {
    if !has_h5dump() {
        return None;
    }
    static N: AtomicUsize = AtomicUsize::new(0);
    let out = std::env::temp_dir().join(format!(
        "h5oxide-vds-{}-{}.bin",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_file(&out);
    let mut cmd = Command::new("h5dump");
    cmd.current_dir(cwd)
        .args(["-d", path, "-b", "FILE", "-o"])
        .arg(&out)
        .arg(file)
        .env_remove("HDF5_VDS_PREFIX")
        .env_remove("HDF5_EXTFILE_PREFIX")
        .env_remove("HDF5_EXT_PREFIX");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let status = cmd.output().unwrap().status;
    assert!(
        status.success(),
        "h5dump -d {path} {} failed",
        file.display()
    );
    let bytes = std::fs::read(&out).unwrap();
    let _ = std::fs::remove_file(&out);
    Some(bytes)
}

/// A fresh empty folder under the system's temporary folder.
fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("h5oxide-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

// ---- virtual datasets ----

#[test]
fn vds_concatenation() {
    let f = open("vds.h5");
    let want: Vec<i32> = (0..3).flat_map(source).collect();
    assert_eq!(read_i32(&f, "concat"), want);
}

#[test]
fn vds_interleaving() {
    let f = open("vds.h5");
    let want: Vec<i32> = (0..30).map(|j| (j % 3) * 100 + j / 3).collect();
    assert_eq!(read_i32(&f, "interleaved"), want);
}

#[test]
fn vds_missing_source_reads_as_fill_value() {
    let f = open("vds.h5");
    let d = f.root().dataset("missing_source").unwrap();
    assert_eq!(d.fill_value_bytes(), Some(&(-1i32).to_le_bytes()[..]));
    let mut want: Vec<i32> = (0..2).flat_map(source).collect();
    want.extend([-1; 10]);
    assert_eq!(i32s(&d.read_bytes().unwrap()), want);
}

#[test]
fn vds_printf_style_source_names() {
    let f = open("vds.h5");
    let d = f.root().dataset("printf_sources").unwrap();
    // libhdf5 stores the extent given at creation and computes the real one from the
    // sources present (three here) when it opens the dataset; `shape()` reports the latter.
    assert_eq!(d.space().dims, vec![0]);
    assert_eq!(d.shape(), vec![30]);
    assert_eq!(d.virtual_shape().unwrap(), vec![30]);
    assert_eq!(d.max_shape(), vec![None]);
    let want: Vec<i32> = (0..3).flat_map(source).collect();
    assert_eq!(i32s(&read_all(&d)), want);
}

#[test]
fn vds_rows_with_a_source_in_the_same_file() {
    let f = open("vds.h5");
    let mut want: Vec<i32> = (0..3).flat_map(source).collect();
    want.extend((0..10).map(|i| -i));
    assert_eq!(read_i32(&f, "rows_2d"), want);
    assert_eq!(
        read_i32(&f, "local_source"),
        (0..10).map(|i| -i).collect::<Vec<_>>()
    );
}

#[test]
fn vds_selections_match_the_full_read() {
    let f = open("vds.h5");
    for name in [
        "concat",
        "interleaved",
        "missing_source",
        "printf_sources",
        "rows_2d",
    ] {
        let d = f.root().dataset(name).unwrap();
        let shape = d.virtual_shape().unwrap();
        let full = i32s(&read_all(&d));
        let slices: Vec<Vec<DimSlice>> = if shape.len() == 1 {
            vec![
                vec![DimSlice {
                    start: 1,
                    step: 4,
                    count: 7,
                }],
                vec![DimSlice {
                    start: 9,
                    step: 1,
                    count: 3,
                }],
                vec![DimSlice {
                    start: 29,
                    step: 1,
                    count: 1,
                }],
                vec![DimSlice {
                    start: 0,
                    step: 1,
                    count: 0,
                }],
            ]
        } else {
            vec![
                vec![
                    DimSlice {
                        start: 1,
                        step: 2,
                        count: 2,
                    },
                    DimSlice {
                        start: 2,
                        step: 3,
                        count: 3,
                    },
                ],
                vec![
                    DimSlice {
                        start: 2,
                        step: 1,
                        count: 2,
                    },
                    DimSlice {
                        start: 9,
                        step: 1,
                        count: 1,
                    },
                ],
            ]
        };
        for s in slices {
            let sel = Selection::new(s.clone(), &shape).unwrap();
            let got = i32s(&d.read_bytes_selection(&sel).unwrap());
            // The same elements picked from the full read.
            let want: Vec<i32> = if shape.len() == 1 {
                (0..s[0].count)
                    .map(|k| full[(s[0].start + k * s[0].step) as usize])
                    .collect()
            } else {
                let mut w = Vec::new();
                for a in 0..s[0].count {
                    for b in 0..s[1].count {
                        let r = s[0].start + a * s[0].step;
                        let c = s[1].start + b * s[1].step;
                        w.push(full[(r * shape[1] + c) as usize]);
                    }
                }
                w
            };
            assert_eq!(got, want, "{name} {s:?}");
        }
    }
}

#[test]
fn vds_agrees_with_libhdf5() {
    let dir = fixtures();
    let f = open("vds.h5");
    for name in [
        "concat",
        "interleaved",
        "missing_source",
        "printf_sources",
        "rows_2d",
    ] {
        let ours = read_all(&f.root().dataset(name).unwrap());
        // From the fixtures folder (sources relative to the working folder) and from
        // elsewhere with HDF5_VDS_PREFIX.
        let Some(c) = h5dump_bytes(Path::new("vds.h5"), name, &dir, &[]) else {
            return;
        };
        assert_eq!(ours, c, "{name}");
        let prefix = dir.to_str().unwrap();
        let c = h5dump_bytes(
            &dir.join("vds.h5"),
            name,
            &std::env::temp_dir(),
            &[("HDF5_VDS_PREFIX", prefix)],
        )
        .unwrap();
        assert_eq!(ours, c, "{name} with HDF5_VDS_PREFIX");
    }
}

#[test]
fn vds_copied_away_from_its_sources() {
    // Without its sources every mapped element is the fill value, except the row whose
    // source is in the same file; HDF5_VDS_PREFIX then finds them again. Both steps are in
    // one test as the variable is process-wide (other tests read the same values with or
    // without it).
    let dir = temp_dir("vds-away");
    let copy = dir.join("vds.h5");
    std::fs::copy(fixtures().join("vds.h5"), &copy).unwrap();
    let f = File::open(&copy).unwrap();
    let mut want = vec![-1; 30];
    want.extend((0..10).map(|i| -i));
    assert_eq!(read_i32(&f, "rows_2d"), want);
    assert_eq!(read_i32(&f, "concat"), vec![-1; 30]);
    if let Some(c) = h5dump_bytes(&copy, "rows_2d", &dir, &[]) {
        assert_eq!(i32s(&c), want);
    }

    std::env::set_var(
        "HDF5_VDS_PREFIX",
        format!("/no/such/dir:{}", fixtures().display()),
    );
    let g = File::open(&copy).unwrap();
    let concat = read_i32(&g, "concat");
    let printf = read_i32(&g, "printf_sources");
    std::env::remove_var("HDF5_VDS_PREFIX");
    let want: Vec<i32> = (0..3).flat_map(source).collect();
    assert_eq!(concat, want);
    assert_eq!(printf, want);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn vds_values_api_reads_too() {
    let f = open("vds.h5");
    let v = f
        .root()
        .dataset("interleaved")
        .unwrap()
        .read_values()
        .unwrap();
    assert_eq!(v.len(), 30);
    assert_eq!(
        format!("{:?}", v[4]),
        format!("{:?}", h5oxide::Value::Int(101))
    );
}

// ---- external raw data files ----

/// `two_files_i32`: `11 i - 5`, 40 elements.
fn external_i32() -> Vec<i32> {
    (0..40).map(|i| i * 11 - 5).collect()
}

/// `one_file_f64_be`: `-0.5 i`, 3 x 4, stored big-endian.
fn external_f64_be_bytes() -> Vec<u8> {
    (0..12)
        .flat_map(|i| (f64::from(i) * -0.5).to_be_bytes())
        .collect()
}

#[test]
fn external_raw_data_over_two_files() {
    let f = open("external_raw.h5");
    let d = f.root().dataset("two_files_i32").unwrap();
    let names: Vec<(String, u64, u64)> = d
        .external_files()
        .unwrap()
        .into_iter()
        .map(|e| (e.name, e.offset, e.size))
        .collect();
    assert_eq!(
        names,
        vec![
            ("external_raw_a.bin".to_owned(), 16, 100),
            ("external_raw_b.bin".to_owned(), 0, 60)
        ]
    );
    assert_eq!(i32s(&d.read_bytes().unwrap()), external_i32());
    // A selection that spans both files.
    let sel = Selection::new(
        vec![DimSlice {
            start: 20,
            step: 3,
            count: 5,
        }],
        &[40],
    )
    .unwrap();
    let want: Vec<i32> = (0..5).map(|k| external_i32()[20 + 3 * k]).collect();
    assert_eq!(i32s(&d.read_bytes_selection(&sel).unwrap()), want);
}

#[test]
fn external_raw_data_big_endian_2d() {
    let f = open("external_raw.h5");
    let d = f.root().dataset("one_file_f64_be").unwrap();
    assert_eq!(d.read_bytes().unwrap(), external_f64_be_bytes());
    let sel = Selection::new(
        vec![
            DimSlice {
                start: 1,
                step: 1,
                count: 2,
            },
            DimSlice {
                start: 3,
                step: 1,
                count: 1,
            },
        ],
        &[3, 4],
    )
    .unwrap();
    let all = external_f64_be_bytes();
    let want: Vec<u8> = [7usize, 11]
        .iter()
        .flat_map(|&e| all[e * 8..e * 8 + 8].to_vec())
        .collect();
    assert_eq!(d.read_bytes_selection(&sel).unwrap(), want);
}

#[test]
fn external_raw_data_prefixes() {
    let f = open("external_raw.h5");
    let d = f.root().dataset("two_files_i32").unwrap();
    let all = Selection::all(&[40]);
    let with = |p: &str| d.read_bytes_selection_with_efile_prefix(&all, p);
    assert_eq!(i32s(&with("${ORIGIN}").unwrap()), external_i32());
    let abs = fixtures().canonicalize().unwrap();
    assert_eq!(i32s(&with(abs.to_str().unwrap()).unwrap()), external_i32());
    // A folder without the files: libhdf5 fails to open them, so do we.
    match with("/no/such/folder") {
        Err(Error::Open { path, .. }) => {
            assert!(path.ends_with("external_raw_a.bin"), "{path:?}")
        }
        r => panic!("expected an open error, got {r:?}"),
    }
}

#[test]
fn external_raw_data_agrees_with_libhdf5() {
    let f = open("external_raw.h5");
    let file = fixtures().join("external_raw.h5");
    for name in ["two_files_i32", "one_file_f64_be"] {
        let ours = f.root().dataset(name).unwrap().read_bytes().unwrap();
        let env = [("HDF5_EXTFILE_PREFIX", "${ORIGIN}")];
        let Some(c) = h5dump_bytes(&file, name, &std::env::temp_dir(), &env) else {
            return;
        };
        assert_eq!(ours, c, "{name}");
    }
}

#[test]
fn external_raw_data_short_file_reads_zeros_missing_file_fails() {
    // libhdf5 reads bytes a listed piece lacks on disk as zeros, and fails on a file that
    // does not exist.
    let dir = temp_dir("efl-short");
    let src = fixtures();
    std::fs::copy(src.join("external_raw.h5"), dir.join("external_raw.h5")).unwrap();
    std::fs::copy(
        src.join("external_raw_b.bin"),
        dir.join("external_raw_b.bin"),
    )
    .unwrap();
    let a = std::fs::read(src.join("external_raw_a.bin")).unwrap();
    // Keep the header and the first 10 elements.
    std::fs::write(dir.join("external_raw_a.bin"), &a[..16 + 40]).unwrap();
    let f = File::open(dir.join("external_raw.h5")).unwrap();
    let got = i32s(
        &f.root()
            .dataset("two_files_i32")
            .unwrap()
            .read_bytes()
            .unwrap(),
    );
    let mut want = external_i32();
    want[10..25].fill(0);
    assert_eq!(got, want);
    if let Some(c) = h5dump_bytes(&dir.join("external_raw.h5"), "two_files_i32", &dir, &[]) {
        assert_eq!(i32s(&c), want);
    }
    let e = f
        .root()
        .dataset("one_file_f64_be")
        .unwrap()
        .read_bytes()
        .unwrap_err();
    assert!(matches!(e, Error::Open { .. }), "{e:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- external links ----

fn link_reason(e: Error) -> &'static str {
    match e {
        Error::Link { reason, .. } => reason,
        e => panic!("expected a link error, got {e:?}"),
    }
}

#[test]
fn external_links_are_followed() {
    for file in ["links_latest.h5", "links_earliest.h5"] {
        let f = open(file);
        let root = f.root();
        let Object::Dataset(d) = root.object("external_data").unwrap() else {
            panic!("not a dataset")
        };
        assert_eq!(d.name(), "/data");
        assert_eq!(
            d.file().path().unwrap().file_name().unwrap(),
            "links_target.h5"
        );
        assert_eq!(
            i32s(&d.read_bytes().unwrap()),
            vec![100, 101, 102, 103, 104]
        );
        let Object::Dataset(inner) = root.object("/external_group/inner").unwrap() else {
            panic!("not a dataset")
        };
        let v: Vec<f64> = inner
            .read_bytes()
            .unwrap()
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(v, vec![0.5, 1.5]);
        // Links inside the file still work the same way.
        let Object::Dataset(d) = root.object("soft_chain").unwrap() else {
            panic!("not a dataset")
        };
        assert_eq!(i32s(&d.read_bytes().unwrap()), vec![1, 2, 3, 4]);
    }
}

#[test]
fn dangling_external_links() {
    for file in ["links_latest.h5", "links_earliest.h5"] {
        let f = open(file);
        let root = f.root();
        for name in ["external_missing_object", "external_missing_file"] {
            let e = root.object(name).unwrap_err();
            assert_eq!(link_reason(e), NOT_FOUND, "{file} {name}");
            assert!(!root.contains(name));
        }
        // A followable external link is an object of the other file.
        assert!(root.contains("external_data"));
    }
}

#[test]
fn external_links_agree_with_libhdf5() {
    let file = fixtures().join("links_latest.h5");
    let Some(c) = h5dump_bytes(&file, "external_data", &std::env::temp_dir(), &[]) else {
        return;
    };
    let f = open("links_latest.h5");
    let Object::Dataset(d) = f.root().object("external_data").unwrap() else {
        panic!("not a dataset")
    };
    assert_eq!(d.read_bytes().unwrap(), c);
    // libhdf5 cannot follow the dangling ones either: h5dump shows the link, not a dataset.
    for name in ["external_missing_file", "external_missing_object"] {
        let out = Command::new("h5dump")
            .current_dir(std::env::temp_dir())
            .args(["-d", name])
            .arg(&file)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("EXTERNAL_LINK"), "{text}");
        assert!(!text.contains("DATASET"), "{text}");
    }
}
