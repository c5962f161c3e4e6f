//! Dense link and attribute storage: groups crossing the compact/dense thresholds, many and
//! large attributes, creation order, edits of libhdf5-written dense objects, and moving
//! links; checked by h5oxide and by the C library.

#[path = "write_common.rs"]
mod common;

use common::{c_walk, create, h5dump, ints, temp_dir, walk_attr, walk_object, walk_paths, BOTH};
use h5oxide::{File, Libver, Mode};

/// The link info message of a group: (fractal heap address defined, creation-order index).
fn is_dense_group(path: &std::path::Path, group: &str) -> bool {
    let out = std::process::Command::new("h5debug")
        .arg(path)
        .arg(
            File::open(path)
                .unwrap()
                .root()
                .group(group)
                .map(|g| g.address())
                .unwrap()
                .to_string(),
        )
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).contains("Fractal heap address")
        && !String::from_utf8_lossy(&out.stdout)
            .contains("Fractal heap address:                            UNDEF")
}

#[test]
fn groups_cross_the_dense_thresholds() {
    let dir = temp_dir("dense-groups");
    let path = dir.join("g.h5");
    let f = create(&path, Libver::Latest);
    let g = f.root().create_group("g").unwrap();
    for i in 0..200 {
        g.create_group(&format!("m{i:03}")).unwrap();
    }
    f.close().unwrap();
    let f = File::open(&path).unwrap();
    let names = f.root().group("g").unwrap().member_names().unwrap();
    assert_eq!(names.len(), 200);
    let walk = c_walk(&path);
    assert_eq!(walk_paths(&walk).len(), 202);
    h5dump(&path, &["-H"]);
}
