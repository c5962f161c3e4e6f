//! Copy-on-write commits, in-memory files, editing files libhdf5 wrote, and filters.

#[path = "write_common.rs"]
mod common;

use common::{c_walk, floats, h5dump, ints, temp_dir, walk_object, walk_paths, Json, BOTH};
use h5oxide::ndarray::{s, Array2};
use h5oxide::{File, Libver, Mode};

#[test]
fn a_crash_before_the_superblock_leaves_the_previous_commit() {
    let dir = temp_dir("crash");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("crash_{tag}.h5"));
        let f = File::options()
            .mode(Mode::Create)
            .libver(libver)
            .open(&path)
            .unwrap();
        let mut first = f
            .root()
            .new_dataset::<i32>()
            .shape([4])
            .max_shape([None])
            .chunk([2])
            .create("first")
            .unwrap();
        first.write(&[1, 2, 3, 4]).unwrap();
        f.root().attrs().set("v", &1u8).unwrap();
        f.flush().unwrap();
        let committed = std::fs::read(&path).unwrap();

        // Changes to live objects: a new dataset in the root, a rewritten chunk, a resize,
        // a replaced attribute. None of them may touch the committed bytes.
        f.root()
            .new_dataset_builder()
            .with_data(&[9i8])
            .create("second")
            .unwrap();
        first.write_slice(&[20, 30], s![1..3]).unwrap();
        first.resize([6]).unwrap();
        f.root().attrs().set("v", &2u8).unwrap();
        let crashed = std::fs::read(&path).unwrap();
        assert!(crashed.len() >= committed.len());
        // Space the previous commit had freed may be reused; the superblock is untouched.
        assert_eq!(
            &crashed[..48],
            &committed[..48],
            "the superblock was overwritten"
        );
        let copy = dir.join(format!("crashed_{tag}.h5"));
        std::fs::write(&copy, &crashed).unwrap();

        // Readers of the crashed file see exactly the previous commit.
        let old = File::open(&copy).unwrap();
        assert_eq!(old.root().member_names().unwrap(), ["first"]);
        assert_eq!(
            old.root()
                .dataset("first")
                .unwrap()
                .read_raw::<i32>()
                .unwrap(),
            [1, 2, 3, 4]
        );
        assert_eq!(old.root().attrs().get_value::<u8>("v").unwrap(), 1);
        h5dump(&copy, &[]);
        let walk = c_walk(&copy);
        assert_eq!(walk_paths(&walk), ["/", "/first"]);
        assert_eq!(ints(&walk_object(&walk, "/first")["values"]), [1, 2, 3, 4]);

        // The writer itself saw its changes all along, and they are there after close.
        assert_eq!(first.read_raw::<i32>().unwrap(), [1, 20, 30, 4, 0, 0]);
        f.close().unwrap();
        drop(first);
        let walk = c_walk(&path);
        assert_eq!(walk_paths(&walk), ["/", "/first", "/second"]);
        assert_eq!(
            ints(&walk_object(&walk, "/first")["values"]),
            [1, 20, 30, 4, 0, 0]
        );
        assert_eq!(
            ints(&walk_object(&walk, "/")["attrs"].as_array()[0]["values"]),
            [2]
        );
    }
}

#[test]
fn in_memory_files_give_their_bytes() {
    for (libver, tag) in BOTH {
        let f = File::options().libver(libver).in_memory().unwrap();
        let data = Array2::from_shape_fn((3, 4), |(i, j)| (i * 10 + j) as f32);
        f.root()
            .new_dataset_builder()
            .with_data(&data)
            .create("grid")
            .unwrap();
        let bytes = f.into_bytes().unwrap();
        let back = File::from_bytes(bytes.clone()).unwrap();
        assert_eq!(
            back.root()
                .dataset("grid")
                .unwrap()
                .read_2d::<f32>()
                .unwrap(),
            data
        );
        let dir = temp_dir(&format!("mem-{tag}"));
        let path = dir.join("mem.h5");
        std::fs::write(&path, &bytes).unwrap();
        let walk = c_walk(&path);
        let o = walk_object(&walk, "/grid");
        assert_eq!(o["dtype"].as_str(), "<f4");
        assert_eq!(
            floats(&o["values"], 4),
            data.iter().map(|&v| f64::from(v)).collect::<Vec<_>>()
        );
        // Bytes opened writable can be edited further.
        let f = File::options()
            .mode(Mode::ReadWrite)
            .open_bytes(bytes)
            .unwrap();
        f.root().create_group("more").unwrap();
        let again = File::from_bytes(f.to_bytes().unwrap()).unwrap();
        assert_eq!(again.root().member_names().unwrap(), ["grid", "more"]);
    }
}

/// Every object of `before` is in `after` unchanged, but for the attribute the edit added
/// (which every hard link to the edited group shows).
fn unchanged(before: &Json, after: &Json) {
    for o in before["objects"].as_array() {
        let path = o["path"].as_str();
        let mut a = walk_object(after, path).clone();
        if let Json::Obj(m) = &mut a {
            if let Some(Json::Arr(attrs)) = m.get_mut("attrs") {
                attrs.retain(|x| x["name"] != Json::Str("edited_by".into()));
            }
        }
        assert_eq!(&a, o, "{path} changed");
    }
}

#[test]
fn files_written_by_libhdf5_can_be_edited() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/files");
    let dir = temp_dir("edit");
    for name in [
        "format_earliest_sb0.h5",
        "format_earliest_sb1_small_k.h5",
        "format_v18_sb2.h5",
        "format_latest_sb3.h5",
        "groups_many_earliest.h5",
        "groups_many_latest.h5",
        "creation_order.h5",
        "links_latest.h5",
    ] {
        let path = dir.join(name);
        std::fs::copy(fixtures.join(name), &path).unwrap();
        let before = c_walk(&path);
        let f = File::open_rw(&path).unwrap();
        let root = f.root();
        let target = root
            .member_names()
            .unwrap()
            .into_iter()
            .find(|n| root.group(n).is_ok())
            .map_or("/".to_owned(), |n| format!("/{n}"));
        let g = f.group(&target).unwrap();
        g.attrs().set("edited_by", "h5oxide").unwrap();
        g.new_dataset_builder()
            .with_data(&[5u64, 6, 7])
            .create("added_ds")
            .unwrap();
        root.create_group("added_group/inner").unwrap();
        let c = root
            .new_dataset_builder()
            .with_data(&[1i8, 2, 3, 4])
            .chunk([2])
            .create("added_group/chunked")
            .unwrap();
        // Files libhdf5 1.8 reads (superblock 0 to 2) get no layout message version 4.
        let v = c.layout().version;
        assert!(v == 3 || f.superblock_version() == 3, "{name}: layout {v}");
        f.close().unwrap();

        let after = c_walk(&path);
        unchanged(&before, &after);
        let added = if target == "/" {
            "/added_ds".to_owned()
        } else {
            format!("{target}/added_ds")
        };
        assert_eq!(
            ints(&walk_object(&after, &added)["values"]),
            [5, 6, 7],
            "{name}"
        );
        walk_object(&after, "/added_group/inner");
        let attrs = walk_object(&after, &target)["attrs"].clone();
        assert!(
            attrs
                .as_array()
                .iter()
                .any(|a| a["name"].as_str() == "edited_by" && a["values"].as_str() == "h5oxide"),
            "{name}"
        );
        h5dump(&path, &[]);
    }
}

#[test]
fn filters_read_back_by_libhdf5_and_plugins() {
    let dir = temp_dir("filters");
    let data: Vec<i32> = (0..1000).map(|i| (i * i) % 977).collect();
    for (libver, tag) in BOTH {
        let path = dir.join(format!("filters_{tag}.h5"));
        let f = File::options()
            .mode(Mode::Create)
            .libver(libver)
            .open(&path)
            .unwrap();
        let g = f.root();
        let b = || g.new_dataset_builder().with_data(&data).chunk([128]);
        b().shuffle()
            .deflate(6)
            .fletcher32()
            .create("gzip")
            .unwrap();
        b().lzf().create("lzf").unwrap();
        b().lz4().create("lz4").unwrap();
        b().zstd(3).create("zstd").unwrap();
        b().fill_value(-1i32).create("filled").unwrap();
        let mut empty = g
            .new_dataset::<i32>()
            .shape([10])
            .chunk([4])
            .fill_value(-7i32)
            .create("sparse")
            .unwrap();
        empty.write_slice(&[1, 2], s![4..6]).unwrap();
        f.close().unwrap();

        let f = File::open(&path).unwrap();
        for n in ["gzip", "lzf", "lz4", "zstd", "filled"] {
            assert_eq!(
                f.root().dataset(n).unwrap().read_raw::<i32>().unwrap(),
                data,
                "{n}"
            );
        }
        let sparse = f.root().dataset("sparse").unwrap();
        assert_eq!(
            sparse.read_raw::<i32>().unwrap(),
            [-7, -7, -7, -7, 1, 2, -7, -7, -7, -7]
        );
        let dump = h5dump(&path, &["-p", "-d", "/gzip", "-s", "990", "-c", "3"]);
        assert!(dump.contains("CHECKSUM FLETCHER32"), "{dump}");
        assert!(dump.contains("PREPROCESSING SHUFFLE"), "{dump}");
        assert!(
            dump.contains(&format!(
                "(990): {}, {}, {}",
                data[990], data[991], data[992]
            )),
            "{dump}"
        );
        let walk = c_walk(&path);
        let expected: Vec<i64> = data.iter().map(|&v| i64::from(v)).collect();
        for n in ["/gzip", "/lzf", "/lz4", "/filled"] {
            assert_eq!(ints(&walk_object(&walk, n)["values"]), expected, "{n}");
        }
        assert_eq!(
            ints(&walk_object(&walk, "/sparse")["values"]),
            [-7, -7, -7, -7, 1, 2, -7, -7, -7, -7]
        );
    }
}

#[test]
fn chunk_indexes_follow_libhdf5_choice() {
    use h5oxide::format::object_header::message::layout::{ChunkIndex, Storage};
    let dir = temp_dir("indexes");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("idx_{tag}.h5"));
        let f = File::options()
            .mode(Mode::Create)
            .libver(libver)
            .open(&path)
            .unwrap();
        let data: Vec<u16> = (0..600).collect();
        let r = f.root();
        let b = || r.new_dataset_builder().with_data(&data).shape([20, 30]);
        b().chunk([20, 30]).create("single").unwrap();
        b().chunk([20, 30]).deflate(1).create("single_gz").unwrap();
        b().chunk([3, 7]).create("fixed").unwrap();
        b().chunk([3, 7]).zstd(1).create("fixed_zstd").unwrap();
        b().chunk([1, 1]).create("fixed_paged").unwrap();
        b().chunk([4, 4])
            .max_shape([None, Some(30)])
            .create("unlimited")
            .unwrap();
        let mut late = r
            .new_dataset::<u16>()
            .shape([20, 30])
            .chunk([5, 5])
            .create("late")
            .unwrap();
        assert!(late.chunk_list().unwrap().is_empty());
        late.write_slice(&[7u16, 8], s![19, 28..30]).unwrap();
        f.close().unwrap();

        let f = File::open(&path).unwrap();
        let kind = |n: &str| match &f.root().dataset(n).unwrap().layout().storage {
            Storage::Chunked(c) => c.index,
            other => panic!("{n}: {other:?}"),
        };
        if libver == Libver::Latest {
            assert!(matches!(
                kind("single"),
                ChunkIndex::Single { filtered: None }
            ));
            assert!(matches!(
                kind("single_gz"),
                ChunkIndex::Single { filtered: Some(_) }
            ));
            assert!(matches!(
                kind("fixed"),
                ChunkIndex::FixedArray { page_bits: 10 }
            ));
            assert!(matches!(kind("fixed_paged"), ChunkIndex::FixedArray { .. }));
            assert!(matches!(kind("late"), ChunkIndex::FixedArray { .. }));
        } else {
            assert_eq!(kind("fixed"), ChunkIndex::BtreeV1);
        }
        if libver == Libver::Latest {
            assert!(matches!(
                kind("unlimited"),
                ChunkIndex::ExtensibleArray { .. }
            ));
        } else {
            assert_eq!(kind("unlimited"), ChunkIndex::BtreeV1);
        }
        for n in [
            "single",
            "single_gz",
            "fixed",
            "fixed_zstd",
            "fixed_paged",
            "unlimited",
        ] {
            assert_eq!(
                f.root().dataset(n).unwrap().read_raw::<u16>().unwrap(),
                data,
                "{n}"
            );
        }
        let walk = c_walk(&path);
        let expected: Vec<i64> = data.iter().map(|&v| i64::from(v)).collect();
        for n in [
            "/single",
            "/single_gz",
            "/fixed",
            "/fixed_paged",
            "/unlimited",
        ] {
            assert_eq!(ints(&walk_object(&walk, n)["values"]), expected, "{n}");
        }
        let mut late = vec![0i64; 600];
        late[598] = 7;
        late[599] = 8;
        assert_eq!(ints(&walk_object(&walk, "/late")["values"]), late);
    }
}

#[test]
fn every_libhdf5_chunk_index_can_be_written() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/files");
    let dir = temp_dir("reindex");
    for name in ["chunk_index_latest.h5", "chunk_index_earliest.h5"] {
        let path = dir.join(name);
        std::fs::copy(fixtures.join(name), &path).unwrap();
        let f = File::open_rw(&path).unwrap();
        let mut expected = Vec::new();
        for n in f.root().member_names().unwrap() {
            let mut d = f.root().dataset(&n).unwrap();
            let mut v = d.read_raw::<i32>().unwrap();
            let shape = d.shape();
            let last = shape.iter().map(|&x| x as usize - 1).collect::<Vec<_>>();
            let first = vec![0usize; shape.len()];
            let one = |p: &[usize]| {
                h5oxide::Selection::new(
                    p.iter()
                        .map(|&i| h5oxide::DimSlice {
                            start: i as u64,
                            step: 1,
                            count: 1,
                        })
                        .collect(),
                    &shape,
                )
                .unwrap()
            };
            d.write_slice(&[-1i32], one(&first)).unwrap();
            d.write_slice(&[-2i32], one(&last)).unwrap();
            v[0] = -1;
            let k = v.len() - 1;
            v[k] = -2;
            assert_eq!(d.read_raw::<i32>().unwrap(), v, "{name}: {n}");
            expected.push((format!("/{n}"), v));
        }
        f.close().unwrap();
        let walk = c_walk(&path);
        for (n, v) in expected {
            let got = ints(&walk_object(&walk, &n)["values"]);
            let want: Vec<i64> = v.iter().take(got.len()).map(|&x| i64::from(x)).collect();
            assert_eq!(got, want, "{name}: {n}");
        }
        h5dump(&path, &[]);
        if name == "chunk_index_latest.h5" {
            // Past the walk's first 1000 values: the last element of the 3000-element array.
            let dump = h5dump(&path, &["-d", "/extensible_array", "-s", "2998", "-c", "2"]);
            assert!(dump.contains("(2998): 2998, -2"), "{dump}");
        }
    }
}
