//! Revised (HDF5 1.12 `H5R_ref_t`) references: the fixtures written by HDF5 2.0 read to
//! their targets, and files h5oxide writes read by that library (through
//! `fixtures/revised_refs.py check`, run when `H5OXIDE_HDF5_114_LIB` names its libhdf5).

#[path = "write_common.rs"]
mod common;

#[path = "revised_refs_common.rs"]
mod revised;

use std::path::{Path, PathBuf};

use common::*;
use h5oxide::format::selection::{PointSelection, Selection as Stored};
use h5oxide::types::Reference;
use h5oxide::{DimSlice, Object, Selection};
use revised::*;

#[test]
fn c_written_revised_references_read_to_their_targets() {
    for gen in ["earliest", "latest"] {
        let file = fixture(&format!("revised_refs_{gen}.h5"));
        let mut want = expected("/refs", &FIXTURE_REFS);
        want.extend(expected("/@refs", &FIXTURE_REFS));
        want.extend(expected("/external", &FIXTURE_EXTERNAL));
        let names = ["/refs", "/@refs", "/external"];
        assert_eq!(oxide_lines(&file, &names), want, "{gen}");
        if let Some(c) = c_lines(&file, &names) {
            assert_eq!(c, want, "the C library's reading of {gen}");
        }
        // The values themselves: tokens are header addresses, the rank is stored.
        let f = h5oxide::File::open(&file).unwrap();
        let data = f.root().dataset("data").unwrap();
        let refs: Vec<Reference> = f.root().dataset("refs").unwrap().read_raw().unwrap();
        assert_eq!(refs[0], Reference::to_object(&data));
        let Reference::Region {
            address,
            file: None,
            rank: 1,
            selection,
        } = &refs[2]
        else {
            panic!("{:?}", refs[2]);
        };
        assert_eq!(*address, data.address());
        let sel = h5oxide::types::RegionRef::from_parts(*address, selection.clone())
            .selection(&[10])
            .unwrap();
        assert_eq!(
            sel.dims(),
            [DimSlice {
                start: 2,
                step: 2,
                count: 3
            }]
        );
        assert!(matches!(&refs[3], Reference::Region { rank: 2, .. }));
        assert_eq!(refs[4], Reference::to_attribute(&data, "scale").unwrap());
    }
}

/// The file of the fixtures' layout written by h5oxide, with every kind of reference.
fn write_refs_file(dir: &Path, libver: h5oxide::Libver, tag: &str) -> PathBuf {
    let target = dir.join("revised_refs_target.h5");
    if !target.exists() {
        std::fs::copy(fixture("revised_refs_target.h5"), &target).unwrap();
    }
    let target_data = h5oxide::File::open(&target)
        .unwrap()
        .root()
        .dataset("data")
        .unwrap()
        .address();
    let path = dir.join(format!("oxide_refs_{tag}.h5"));
    let f = create(&path, libver);
    let root = f.root();
    let data = root
        .new_dataset_builder()
        .with_data(&(0..10).collect::<Vec<i32>>())
        .create("data")
        .unwrap();
    data.attrs().set("scale", &2.5f64).unwrap();
    let grid = root
        .new_dataset_builder()
        .with_data(&ndarray::Array2::from_shape_fn((4, 5), |(r, c)| {
            (5 * r + c) as i32
        }))
        .create("grid")
        .unwrap();
    let group = root.create_group("group").unwrap();
    group.attrs().set("units", &7i32).unwrap();
    let points = Reference::Region {
        address: grid.address(),
        file: None,
        selection: Stored::Points(PointSelection::new(
            2,
            vec![vec![0, 1], vec![3, 4], vec![2, 2]],
        )),
        rank: 2,
    };
    let refs = vec![
        Reference::to_object(&data),
        Reference::to_object(&group),
        Reference::to_region(
            &data,
            &Selection::new(
                vec![DimSlice {
                    start: 2,
                    step: 2,
                    count: 3,
                }],
                &[10],
            )
            .unwrap(),
        )
        .unwrap(),
        points,
        Reference::to_attribute(&data, "scale").unwrap(),
        Reference::to_attribute(&group, "units").unwrap(),
        Reference::Null,
        Reference::to_region(&grid, &Selection::all(&[4, 5])).unwrap(),
    ];
    root.new_dataset_builder()
        .with_data(&refs)
        .create("refs")
        .unwrap();
    root.attrs().set("refs", &refs).unwrap();
    let ext = vec![
        Reference::Object {
            address: target_data,
            file: None,
        }
        .in_file("revised_refs_target.h5")
        .unwrap(),
        Reference::Attribute {
            address: target_data,
            file: None,
            name: "scale".into(),
        }
        .in_file("revised_refs_target.h5")
        .unwrap(),
    ];
    root.new_dataset_builder()
        .with_data(&ext)
        .create("external")
        .unwrap();
    f.close().unwrap();
    path
}

#[test]
fn written_revised_references_read_by_the_c_library() {
    let dir = temp_dir("revised_refs");
    let mut items: Vec<&str> = FIXTURE_REFS.to_vec();
    items.push("region /grid all");
    for (libver, tag) in BOTH {
        let file = write_refs_file(&dir, libver, tag);
        let mut want = expected("/refs", &items);
        want.extend(expected("/@refs", &items));
        want.extend(expected("/external", &FIXTURE_EXTERNAL));
        let names = ["/refs", "/@refs", "/external"];
        assert_eq!(oxide_lines(&file, &names), want, "{tag}");
        if let Some(c) = c_lines(&file, &names) {
            assert_eq!(c, want, "the C library's reading of {tag}");
        }
        // The stored elements are libhdf5's: 18 bytes, an inline object reference.
        let f = h5oxide::File::open(&file).unwrap();
        let ds = f.root().dataset("refs").unwrap();
        assert_eq!(ds.dtype().element_size(), 18);
        let raw = ds.read_bytes().unwrap();
        let data = f.root().dataset("data").unwrap().address();
        assert_eq!(raw[..3], [2, 0, 8]);
        assert_eq!(raw[3..11], data.to_le_bytes());
        // A region: type 3, no flags, the heap object's size, a heap ID.
        assert_eq!(raw[36..38], [3, 0]);
        assert_ne!(raw[42..50], [0; 8]);
        // The null reference is all zeros.
        assert_eq!(raw[6 * 18..7 * 18], [0; 18]);
    }
}

#[test]
fn references_follow_objects_whose_headers_move() {
    // A header that grows after a commit moves; the stored token follows it.
    let dir = temp_dir("revised_refs_move");
    let path = dir.join("moved.h5");
    let f = create(&path, h5oxide::Libver::Latest);
    let g = f.root().create_group("g").unwrap();
    let first = g.address();
    let r = [
        Reference::to_object(&g),
        Reference::to_attribute(&g, "a0").unwrap(),
    ];
    f.root()
        .new_dataset_builder()
        .with_data(&r)
        .create("refs")
        .unwrap();
    f.flush().unwrap();
    for i in 0..40 {
        g.attrs().set(&format!("a{i}"), &[i as u64; 8]).unwrap();
    }
    f.close().unwrap();
    let f = h5oxide::File::open(&path).unwrap();
    let back: Vec<Reference> = f.root().dataset("refs").unwrap().read_raw().unwrap();
    let g = f.root().group("g").unwrap();
    assert_ne!(g.address(), first, "the header did not move");
    assert_eq!(back[0].address(), Some(g.address()));
    assert_eq!(back[1], Reference::to_attribute(&g, "a0").unwrap());
    assert_eq!(back[0].open(&f).unwrap().name(), "/g");
}

#[test]
fn revised_references_written_into_an_existing_dataset() {
    let dir = temp_dir("revised_refs_rewrite");
    let path = dir.join("rewrite.h5");
    let f = create(&path, h5oxide::Libver::Earliest);
    let data = f
        .root()
        .new_dataset_builder()
        .with_data(&[1u8, 2, 3, 4])
        .create("data")
        .unwrap();
    let mut ds = f
        .root()
        .new_dataset_builder()
        .with_data(&[Reference::Null, Reference::Null])
        .create("refs")
        .unwrap();
    let sel = Selection::new(
        vec![DimSlice {
            start: 1,
            step: 1,
            count: 2,
        }],
        &[4],
    )
    .unwrap();
    let new = [
        Reference::to_region(&data, &sel).unwrap(),
        Reference::to_attribute(&data, "units").unwrap(),
    ];
    ds.write(&new).unwrap();
    f.close().unwrap();
    let f = h5oxide::File::open(&path).unwrap();
    let back: Vec<Reference> = f.root().dataset("refs").unwrap().read_raw().unwrap();
    assert_eq!(back, new);
    let Reference::Region { selection, .. } = &back[0] else {
        panic!("{:?}", back[0]);
    };
    let target = back[0].open(&f).unwrap();
    let Object::Dataset(target) = target else {
        panic!("not a dataset");
    };
    let sel = h5oxide::types::RegionRef::from_parts(target.address(), selection.clone())
        .selection(&target.shape())
        .unwrap();
    assert_eq!(target.read_bytes_selection(&sel).unwrap(), [2, 3]);
}
