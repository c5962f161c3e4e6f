//! Groups, links, names and modes, in both format generations, checked by h5oxide and by
//! the C library.

#[path = "write_common.rs"]
mod common;

use common::{c_walk, create, h5dump, ints, temp_dir, walk_object, walk_paths, BOTH};
use h5oxide::{Error, File, Link, Mode};

#[test]
fn groups_and_every_link_kind() {
    let dir = temp_dir("links");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("links_{tag}.h5"));
        let f = create(&path, libver);
        let root = f.root();
        let b = root.create_group("a/b").unwrap();
        assert_eq!(b.name(), "/a/b");
        let err = root.create_group("a/b").unwrap_err();
        assert!(matches!(err, Error::AlreadyExists { .. }));
        assert!(
            err.to_string()
                .starts_with("unable to create group (name already exists)"),
            "{err}"
        );
        assert_eq!(root.require_group("a/b").unwrap().name(), "/a/b");
        root.require_group("a/c").unwrap();
        b.new_dataset_builder()
            .with_data(&[1u32, 2, 3])
            .create("data")
            .unwrap();
        root.link_soft("/a/b/data", "soft").unwrap();
        root.link_soft("/nowhere", "dangling").unwrap();
        root.link_external("other.h5", "/x/y", "ext").unwrap();
        root.link_hard("a/b/data", "a/c/same").unwrap();
        root.create_group("tmp").unwrap();
        root.unlink("tmp").unwrap();
        assert!(matches!(root.unlink("tmp"), Err(Error::NotFound { .. })));
        f.close().unwrap();

        let f = File::open(&path).unwrap();
        let root = f.root();
        assert_eq!(
            root.member_names().unwrap(),
            ["a", "dangling", "ext", "soft"]
        );
        assert_eq!(
            root.link("ext").unwrap(),
            Some(Link::External {
                file: "other.h5".into(),
                path: "/x/y".into()
            })
        );
        let d = root.dataset("soft").unwrap();
        assert_eq!(d.read_raw::<u32>().unwrap(), [1, 2, 3]);
        let same = root.dataset("a/c/same").unwrap();
        assert_eq!(same.address(), root.dataset("a/b/data").unwrap().address());

        let walk = c_walk(&path);
        assert_eq!(
            walk_paths(&walk),
            [
                "/",
                "/a",
                "/a/b",
                "/a/b/data",
                "/a/c",
                "/a/c/same",
                "/dangling",
                "/ext",
                "/soft"
            ]
        );
        assert_eq!(
            walk_object(&walk, "/dangling")["kind"].as_str(),
            "dangling_soft_link"
        );
        assert_eq!(walk_object(&walk, "/soft")["kind"].as_str(), "soft_link");
        assert_eq!(walk_object(&walk, "/soft")["target"].as_str(), "/a/b/data");
        assert_eq!(walk_object(&walk, "/ext")["kind"].as_str(), "external_link");
        assert_eq!(
            walk_object(&walk, "/ext")["target_file"].as_str(),
            "other.h5"
        );
        assert_eq!(ints(&walk_object(&walk, "/a/c/same")["values"]), [1, 2, 3]);
        // The hard-linked dataset counts two links (h5dump -p shows no count; h5debug does).
        let out = std::process::Command::new("h5debug")
            .arg(&path)
            .arg(same.address().to_string())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.lines()
                .any(|l| l.contains("Number of links:") && l.trim_end().ends_with('2')),
            "{text}"
        );
        h5dump(&path, &[]);
    }
}

#[test]
fn many_links_in_one_group() {
    let dir = temp_dir("many");
    for (libver, tag) in BOTH {
        let path = dir.join(format!("many_{tag}.h5"));
        let f = create(&path, libver);
        let g = f.root().create_group("g").unwrap();
        // 60 names: several symbol table nodes (8 entries each) in the earliest format.
        for i in (0..60).rev() {
            g.new_dataset_builder()
                .with_data(&[i as i16])
                .create(&format!("d{i:02}"))
                .unwrap();
        }
        f.close().unwrap();
        let f = File::open(&path).unwrap();
        let names = f.group("g").unwrap().member_names().unwrap();
        let expected: Vec<String> = (0..60).map(|i| format!("d{i:02}")).collect();
        assert_eq!(names, expected);
        let walk = c_walk(&path);
        for i in [0, 17, 59] {
            let o = walk_object(&walk, &format!("/g/d{i:02}"));
            assert_eq!(ints(&o["values"]), [i]);
        }
        assert_eq!(walk_paths(&walk).len(), 62);
    }
}

#[test]
fn modes_follow_h5py() {
    let dir = temp_dir("modes");
    let path = dir.join("m.h5");
    assert!(File::open_rw(&path).is_err(), "r+ needs an existing file");
    let f = File::create_excl(&path).unwrap();
    assert_eq!(f.mode().as_str(), "w-");
    f.root().create_group("kept").unwrap();
    f.close().unwrap();
    assert!(
        File::create_excl(&path).is_err(),
        "w- fails on an existing file"
    );
    let f = File::append(&path).unwrap();
    assert_eq!(f.root().member_names().unwrap(), ["kept"]);
    f.root().create_group("added").unwrap();
    drop(f); // dropping the last handle commits
    assert_eq!(
        File::open(&path).unwrap().root().member_names().unwrap(),
        ["added", "kept"]
    );
    let f = File::create(&path).unwrap();
    assert!(f.root().member_names().unwrap().is_empty(), "w truncates");
    drop(f);
    let r = File::open(&path).unwrap();
    assert!(matches!(r.root().create_group("x"), Err(Error::ReadOnly)));
    assert_eq!(Mode::from_h5py("x"), Some(Mode::CreateExclusive));
    h5dump(&path, &[]);
}

#[test]
fn dataset_errors_use_h5py_wording() {
    let f = File::in_memory().unwrap();
    let root = f.root();
    let mut d = root
        .new_dataset_builder()
        .with_data(&[1.0f32, 2.0])
        .create("c")
        .unwrap();
    let e = d.resize([4]).unwrap_err();
    assert_eq!(e.to_string(), "Only chunked datasets can be resized");
    let mut d = root
        .new_dataset::<u8>()
        .shape([4])
        .max_shape([Some(8)])
        .create("e")
        .unwrap();
    let e = d.resize([9]).unwrap_err();
    assert!(
        e.to_string()
            .contains("dimension cannot exceed the existing maximal size"),
        "{e}"
    );
    assert!(matches!(
        root.new_dataset::<u8>().shape([1]).create("e"),
        Err(Error::AlreadyExists { .. })
    ));
    let e = root
        .new_dataset::<u8>()
        .with_data(&[1i32])
        .create("t")
        .unwrap_err();
    assert!(e.to_string().contains("type"), "{e}");
    assert!(root
        .new_dataset::<u8>()
        .shape([4])
        .chunk([0])
        .create("z")
        .is_err());
    assert!(d.write(&[1u8, 2]).is_err(), "size mismatch");
    // Nothing was created by the failed builders.
    assert_eq!(root.member_names().unwrap(), ["c", "e"]);
}
