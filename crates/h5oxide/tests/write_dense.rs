//! Dense link and attribute storage: groups crossing the compact/dense thresholds, many and
//! large attributes, creation order, edits of libhdf5-written dense objects, and moving
//! links; checked by h5oxide and by the C library.

#[path = "write_common.rs"]
mod common;

use std::path::Path;
use std::process::Command;

use common::{c_walk, create, h5dump, ints, temp_dir, walk_attr, walk_object, walk_paths, BOTH};
use h5oxide::{Error, File, Libver, Mode};

const UNDEF: u64 = u64::MAX;

/// What libhdf5's h5debug reports as the dense `what` ("link" or "attribute") storage
/// fractal heap address of the object header at `addr`; `None` without such a message.
fn dense_heap(path: &Path, addr: u64, what: &str) -> Option<u64> {
    // The file is still open for writing here: libhdf5 would refuse our lock.
    let out = Command::new("h5debug")
        .env("HDF5_USE_FILE_LOCKING", "FALSE")
        .arg(path)
        .arg(addr.to_string())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let key = format!("'Dense' {what} storage fractal heap address:");
    text.lines()
        .find_map(|l| l.trim().strip_prefix(key.as_str()))
        .map(|v| v.trim().parse().unwrap())
}

fn names(n: std::ops::Range<usize>) -> Vec<String> {
    n.map(|i| format!("m{i:03}")).collect()
}

/// Member paths of `group` in the C library's walk.
fn c_members(walk: &common::Json, group: &str) -> Vec<String> {
    let prefix = format!("{group}/");
    walk_paths(walk)
        .into_iter()
        .filter_map(|p| p.strip_prefix(&prefix).map(str::to_owned))
        .filter(|p| !p.contains('/'))
        .collect()
}

/// Names in creation order as `h5dump --sort_by=creation_order -n` lists them below
/// `group`.
fn c_creation_order(path: &Path, group: &str) -> Vec<String> {
    let text = h5dump(path, &["--sort_by=creation_order", "-n"]);
    let prefix = format!("{group}/");
    text.lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter_map(|p| p.strip_prefix(&prefix))
        .filter(|p| !p.contains('/'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn groups_cross_the_dense_thresholds() {
    let dir = temp_dir("dense-groups");
    let path = dir.join("g.h5");
    let f = create(&path, Libver::Latest);
    let g = f.root().create_group("g").unwrap();
    for i in 0..8 {
        g.create_group(&format!("m{i:03}")).unwrap();
    }
    f.flush().unwrap();
    let addr = f.root().group("g").unwrap().address();
    assert_eq!(
        dense_heap(&path, addr, "link"),
        Some(UNDEF),
        "8 links: compact"
    );
    g.link_soft("/g/m000", "m008").unwrap();
    f.flush().unwrap();
    let addr = f.root().group("g").unwrap().address();
    assert_ne!(
        dense_heap(&path, addr, "link"),
        Some(UNDEF),
        "9 links: dense"
    );
    assert!(dense_heap(&path, addr, "link").is_some());
    for i in 9..200 {
        g.create_group(&format!("m{i:03}")).unwrap();
    }
    f.close().unwrap();

    let f = File::open(&path).unwrap();
    assert_eq!(
        f.root().group("g").unwrap().member_names().unwrap(),
        names(0..200)
    );
    let walk = c_walk(&path);
    assert_eq!(c_members(&walk, "/g"), names(0..200));
    assert_eq!(walk_object(&walk, "/g/m008")["kind"].as_str(), "soft_link");
    h5dump(&path, &["-H"]);
    drop(f);

    // Removing: dense down to 6 links, compact at 5.
    let f = File::options().mode(Mode::ReadWrite).open(&path).unwrap();
    let g = f.root().group("g").unwrap();
    for i in 6..200 {
        g.unlink(&format!("m{i:03}")).unwrap();
    }
    f.flush().unwrap();
    let addr = f.root().group("g").unwrap().address();
    assert_ne!(
        dense_heap(&path, addr, "link"),
        Some(UNDEF),
        "6 links: still dense"
    );
    assert_eq!(c_members(&c_walk(&path), "/g"), names(0..6));
    g.unlink("m005").unwrap();
    f.close().unwrap();
    let f = File::open(&path).unwrap();
    let addr = f.root().group("g").unwrap().address();
    assert_eq!(
        dense_heap(&path, addr, "link"),
        Some(UNDEF),
        "5 links: compact"
    );
    assert_eq!(
        f.root().group("g").unwrap().member_names().unwrap(),
        names(0..5)
    );
    assert_eq!(c_members(&c_walk(&path), "/g"), names(0..5));
    h5dump(&path, &[]);
}

#[test]
fn an_empty_group_that_was_dense() {
    let dir = temp_dir("dense-empty");
    let path = dir.join("e.h5");
    let f = create(&path, Libver::Latest);
    let g = f.root().create_group("g").unwrap();
    for i in 0..12 {
        g.create_group(&format!("m{i:03}")).unwrap();
    }
    for i in 0..12 {
        g.unlink(&format!("m{i:03}")).unwrap();
    }
    f.close().unwrap();
    assert!(c_members(&c_walk(&path), "/g").is_empty());
    assert!(File::open(&path)
        .unwrap()
        .root()
        .group("g")
        .unwrap()
        .member_names()
        .unwrap()
        .is_empty());
}

#[test]
fn many_attributes_both_generations() {
    let dir = temp_dir("dense-attrs");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("a_{tag}.h5"));
        let f = create(&path, libver);
        let d = f
            .root()
            .new_dataset_builder()
            .with_data(&[1i32, 2, 3])
            .create("d")
            .unwrap();
        for i in 0..100i64 {
            d.attrs().set(&format!("a{i:03}"), &(i * 7)).unwrap();
        }
        // Replacing keeps the count.
        d.attrs().set("a050", &-5i64).unwrap();
        d.attrs().set("text", "hello dense").unwrap();
        f.close().unwrap();

        let f = File::open(&path).unwrap();
        let d = f.root().dataset("d").unwrap();
        let list = d.attrs().list().unwrap();
        assert_eq!(list.len(), 101);
        let walk = c_walk(&path);
        let obj = walk_object(&walk, "/d");
        assert_eq!(obj["attrs"].as_array().len(), 101);
        for i in 0..100i64 {
            let want = if i == 50 { -5 } else { i * 7 };
            assert_eq!(ints(&walk_attr(obj, &format!("a{i:03}"))["values"]), [want]);
            let a = d.attrs().attr(&format!("a{i:03}")).unwrap();
            assert_eq!(a.raw().unwrap(), want.to_le_bytes());
        }
        assert_eq!(walk_attr(obj, "text")["values"].as_str(), "hello dense");
        if libver == Libver::Latest {
            assert_ne!(dense_heap(&path, d.address(), "attribute"), Some(UNDEF));
            assert!(dense_heap(&path, d.address(), "attribute").is_some());
        }
        h5dump(&path, &[]);
        drop(f);

        // Back below min dense: compact again.
        let f = File::options().mode(Mode::ReadWrite).open(&path).unwrap();
        let d = f.root().dataset("d").unwrap();
        for i in 5..100 {
            d.attrs().remove(&format!("a{i:03}")).unwrap();
        }
        assert!(matches!(
            d.attrs().remove("a099"),
            Err(Error::NotFound { .. })
        ));
        f.flush().unwrap();
        if libver == Libver::Latest {
            let at = f.root().dataset("d").unwrap().address();
            assert_ne!(
                dense_heap(&path, at, "attribute"),
                Some(UNDEF),
                "6: still dense"
            );
        }
        d.attrs().remove("a004").unwrap();
        f.close().unwrap();
        let f = File::open(&path).unwrap();
        let d = f.root().dataset("d").unwrap();
        let walk = c_walk(&path);
        let obj = walk_object(&walk, "/d");
        let got: Vec<&str> = obj["attrs"]
            .as_array()
            .iter()
            .map(|a| a["name"].as_str())
            .collect();
        assert_eq!(got, ["a000", "a001", "a002", "a003", "text"]);
        if libver == Libver::Latest {
            assert_eq!(dense_heap(&path, d.address(), "attribute"), Some(UNDEF));
        }
        assert_eq!(d.attrs().list().unwrap().len(), 5);
    }
}

#[test]
fn a_200_kib_attribute() {
    let dir = temp_dir("dense-large");
    let big: Vec<i32> = (0..51_200).map(|i| i * 3 - 1000).collect();
    for (libver, tag) in BOTH {
        let path = dir.join(format!("l_{tag}.h5"));
        let f = create(&path, libver);
        let g = f.root().create_group("g").unwrap();
        g.attrs().set("small", &1u8).unwrap();
        let r = g.attrs().set("big", &big);
        if libver == Libver::Earliest {
            let e = r.unwrap_err();
            assert!(matches!(e, Error::Usage(_)), "{e}");
            assert!(e.to_string().contains("libver latest"), "{e}");
            f.close().unwrap();
            assert_eq!(c_walk(&path)["objects"].as_array().len(), 2);
            continue;
        }
        r.unwrap();
        f.close().unwrap();
        let f = File::open(&path).unwrap();
        let g = f.root().group("g").unwrap();
        let le: Vec<u8> = big.iter().flat_map(|v| v.to_le_bytes()).collect();
        assert!(g.attrs().attr("big").unwrap().raw().unwrap() == le);
        let walk = c_walk(&path);
        let obj = walk_object(&walk, "/g");
        let a = walk_attr(obj, "big");
        assert_eq!(a["shape"].as_u64s(), [Some(51_200)]);
        // The walk lists the leading values of large attributes.
        let got = ints(&a["values"]);
        assert!(got.len() >= 1000);
        let want: Vec<i64> = big.iter().take(got.len()).map(|&v| i64::from(v)).collect();
        assert!(got == want, "values differ from the written ones");
        assert_eq!(ints(&walk_attr(obj, "small")["values"]), [1]);
        assert!(dense_heap(&path, g.address(), "attribute").is_some_and(|a| a != UNDEF));
        h5dump(&path, &["-H"]);
    }
}

/// A copy of the fixture `name` in `dir`.
fn fixture_copy(dir: &Path, name: &str) -> std::path::PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/files")
        .join(name);
    let dst = dir.join(name);
    std::fs::copy(src, &dst).unwrap();
    dst
}

#[test]
fn creation_order_tracked_groups_of_libhdf5_go_dense_and_back() {
    let dir = temp_dir("dense-corder");
    let path = fixture_copy(&dir, "creation_order.h5");
    // Names were created in reverse alphabetical order: z04 .. z00.
    let before = c_creation_order(&path, "/indexed_compact");
    assert_eq!(before, ["z04", "z03", "z02", "z01", "z00"]);
    let f = File::options().mode(Mode::ReadWrite).open(&path).unwrap();
    for g in ["indexed_compact", "tracked_compact"] {
        let grp = f.root().group(g).unwrap();
        for n in ["b", "a", "d", "c", "f", "e", "h"] {
            grp.create_group(n).unwrap();
        }
    }
    f.close().unwrap();
    let want = [
        "z04", "z03", "z02", "z01", "z00", "b", "a", "d", "c", "f", "e", "h",
    ];
    for g in ["/indexed_compact", "/tracked_compact"] {
        assert_eq!(c_creation_order(&path, g), want, "{g}");
    }
    let f = File::open(&path).unwrap();
    for g in ["indexed_compact", "tracked_compact"] {
        let grp = f.root().group(g).unwrap();
        assert_ne!(dense_heap(&path, grp.address(), "link"), Some(UNDEF), "{g}");
        assert_eq!(grp.member_names_in_creation_order().unwrap(), want);
    }
    drop(f);
    // Back to compact: the remaining links keep their order.
    let f = File::options().mode(Mode::ReadWrite).open(&path).unwrap();
    let grp = f.root().group("indexed_compact").unwrap();
    for n in ["z03", "z01", "a", "c", "e", "h", "b"] {
        grp.unlink(n).unwrap();
    }
    grp.create_group("new").unwrap();
    f.close().unwrap();
    assert_eq!(
        c_creation_order(&path, "/indexed_compact"),
        ["z04", "z02", "z00", "d", "f", "new"]
    );
    let at = File::open(&path)
        .unwrap()
        .root()
        .group("indexed_compact")
        .unwrap()
        .address();
    assert_eq!(dense_heap(&path, at, "link"), Some(UNDEF));
    h5dump(&path, &[]);
}

#[test]
fn tracked_attributes_of_libhdf5_go_dense() {
    let dir = temp_dir("dense-attr-corder");
    let path = fixture_copy(&dir, "creation_order.h5");
    let f = File::options().mode(Mode::ReadWrite).open(&path).unwrap();
    let g = f.root().group("indexed_compact").unwrap();
    let old = g.attrs().list_in_creation_order().unwrap();
    assert_eq!(old.len(), 4);
    let mut want: Vec<String> = old.iter().map(|a| a.name().to_owned()).collect();
    for i in 0..10u8 {
        let n = format!("n{}", 9 - i);
        g.attrs().set(&n, &i).unwrap();
        want.push(n);
    }
    f.close().unwrap();
    let text = h5dump(
        &path,
        &["--sort_by=creation_order", "-A", "-g", "/indexed_compact"],
    );
    let got: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("ATTRIBUTE \""))
        .map(|l| l.trim_end_matches(['"', '{', ' ']).to_owned())
        .collect();
    assert_eq!(got, want);
    let f = File::open(&path).unwrap();
    let g = f.root().group("indexed_compact").unwrap();
    assert_ne!(dense_heap(&path, g.address(), "attribute"), Some(UNDEF));
    let mine: Vec<String> = g
        .attrs()
        .list_in_creation_order()
        .unwrap()
        .iter()
        .map(|a| a.name().to_owned())
        .collect();
    assert_eq!(mine, want);
    let walk = c_walk(&path);
    assert_eq!(
        ints(&walk_attr(walk_object(&walk, "/indexed_compact"), "n9")["values"]),
        [0]
    );
}

#[test]
fn edits_of_libhdf5_dense_objects() {
    let dir = temp_dir("dense-fixture");
    let path = fixture_copy(&dir, "format_latest_sb3.h5");
    let f = File::options().mode(Mode::ReadWrite).open(&path).unwrap();
    let g = f.root().group("dense_group").unwrap();
    let mut links = g.member_names().unwrap();
    assert_eq!(links.len(), 20);
    g.create_group("zz_new").unwrap();
    g.unlink("d03").unwrap();
    g.move_link("d04", "d04_renamed").unwrap();
    g.attrs().set("a_new", &[1.5f64, 2.5]).unwrap();
    g.attrs().remove("a07").unwrap();
    f.close().unwrap();
    links.retain(|n| n != "d03" && n != "d04");
    links.push("d04_renamed".into());
    links.push("zz_new".into());
    links.sort();
    let walk = c_walk(&path);
    assert_eq!(c_members(&walk, "/dense_group"), links);
    let obj = walk_object(&walk, "/dense_group");
    assert_eq!(obj["attrs"].as_array().len(), 20);
    assert_eq!(ints(&walk_attr(obj, "a03")["values"]), [33]);
    assert!(obj["attrs"]
        .as_array()
        .iter()
        .all(|a| a["name"].as_str() != "a07"));
    let f = File::open(&path).unwrap();
    assert_eq!(
        f.root()
            .group("dense_group")
            .unwrap()
            .member_names()
            .unwrap(),
        links
    );
    drop(f);

    let path = fixture_copy(&dir, "attrs_dense_large.h5");
    let before = c_walk(&path);
    let f = File::options().mode(Mode::ReadWrite).open(&path).unwrap();
    let o = f.root().group("dense").unwrap();
    let attrs = o.attrs();
    attrs.remove("large_i32").unwrap();
    attrs.set("added", &7i16).unwrap();
    f.close().unwrap();
    let after = c_walk(&path);
    let (b, a) = (
        walk_object(&before, "/dense"),
        walk_object(&after, "/dense"),
    );
    assert_eq!(walk_attr(a, "large_f64_2d"), walk_attr(b, "large_f64_2d"));
    assert_eq!(ints(&walk_attr(a, "added")["values"]), [7]);
    assert_eq!(a["attrs"].as_array().len(), b["attrs"].as_array().len());
    h5dump(&path, &[]);
}

#[test]
fn move_link_in_both_generations() {
    let dir = temp_dir("dense-move");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("m_{tag}.h5"));
        let f = create(&path, libver);
        let root = f.root();
        root.create_group("a/x").unwrap();
        root.create_group("big").unwrap();
        for i in 0..12 {
            root.create_group(&format!("big/m{i:03}")).unwrap();
        }
        root.new_dataset_builder()
            .with_data(&[5u16, 6])
            .create("a/data")
            .unwrap();
        root.link_soft("/a/data", "a/soft").unwrap();
        // Rename within a group, move across groups (into a dense one and out of it).
        root.move_link("a/x", "a/y").unwrap();
        root.move_link("a/data", "/big/data").unwrap();
        root.group("big")
            .unwrap()
            .move_link("m003", "/a/m003")
            .unwrap();
        root.move_link("a/soft", "big/soft").unwrap();
        assert!(matches!(
            root.move_link("a/nothing", "b"),
            Err(Error::NotFound { .. })
        ));
        assert!(matches!(
            root.move_link("a/y", "big/m000"),
            Err(Error::AlreadyExists { .. })
        ));
        assert!(matches!(
            root.move_link("a", "a/y/inside"),
            Err(Error::Usage(_))
        ));
        f.close().unwrap();

        let f = File::open(&path).unwrap();
        assert_eq!(
            f.root().group("a").unwrap().member_names().unwrap(),
            ["m003", "y"]
        );
        let big = f.root().group("big").unwrap();
        assert_eq!(big.member_names().unwrap().len(), 13);
        assert_eq!(
            big.dataset("data").unwrap().read_raw::<u16>().unwrap(),
            [5, 6]
        );
        let walk = c_walk(&path);
        assert_eq!(c_members(&walk, "/a"), ["m003", "y"]);
        let mut want = names(0..12);
        want.retain(|n| n != "m003");
        want.insert(0, "data".into());
        want.push("soft".into());
        assert_eq!(c_members(&walk, "/big"), want);
        assert_eq!(ints(&walk_object(&walk, "/big/data")["values"]), [5, 6]);
        assert_eq!(
            walk_object(&walk, "/big/soft")["kind"].as_str(),
            "dangling_soft_link"
        );
        h5dump(&path, &[]);
    }
}
