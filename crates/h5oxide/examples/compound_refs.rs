//! Record tables and references, as h5py users build them:
//!
//! ```python
//! rec = np.dtype([("id", "u4"), ("x", "f8"), ("y", "f8"), ("name", h5py.string_dtype())])
//! f.create_dataset("records", data=records)                        # compound table
//! f.create_dataset("pairs", data=np.array([[0, 1], [1, 2]], "i1"))  # (N, 2) index pairs
//! f.create_dataset("regions", data=regions)                        # {start, stop} table
//! refs = f.create_dataset("refs", (2,), dtype=h5py.ref_dtype)
//! refs[0] = f["records"].ref
//! f.create_dataset("region_refs", data=[f["signal"].regionref[10:20]],
//!                  dtype=h5py.regionref_dtype)
//! ```
//!
//! Run with `cargo run -p h5oxide --example compound_refs`; writes `compound_refs.h5` into
//! the current directory.

use h5oxide::ndarray::{arr2, s, Array2};
use h5oxide::types::{ObjectRef, RegionRef};
use h5oxide::{DimSlice, File, H5Type, Object, Selection};

/// One row of the record table: a compound of four fields.
#[derive(H5Type, Debug, Clone, PartialEq)]
struct Record {
    id: u32,
    x: f64,
    y: f64,
    name: String,
}

/// A region of the signal given by its bounds: a compound {start, stop}.
#[derive(H5Type, Debug, Clone, Copy, PartialEq)]
struct Region {
    start: i64,
    stop: i64,
}

fn main() -> h5oxide::Result<()> {
    let path = "compound_refs.h5";
    {
        let f = File::create(path)?;
        let root = f.root();
        let records: Vec<Record> = (0..5u32)
            .map(|i| Record {
                id: 100 + i,
                x: f64::from(i) * 1.5,
                y: -f64::from(i),
                name: format!("point-{i}"),
            })
            .collect();
        let table = root
            .new_dataset_builder()
            .with_data(&records)
            .create("records")?;
        let pairs: Array2<i8> = arr2(&[[0, 1], [1, 2], [2, 3], [3, 4]]);
        let pairs_ds = root
            .new_dataset_builder()
            .with_data(&pairs)
            .create("pairs")?;
        let regions = vec![
            Region { start: 0, stop: 10 },
            Region {
                start: 10,
                stop: 25,
            },
        ];
        root.new_dataset_builder()
            .with_data(&regions)
            .create("regions")?;
        let signal: Vec<f32> = (0..50).map(|i| i as f32 * 0.5).collect();
        let signal_ds = root
            .new_dataset_builder()
            .with_data(&signal)
            .create("signal")?;

        // References are taken once the objects they name are written.
        let refs = vec![ObjectRef::from(&table), ObjectRef::from(&pairs_ds)];
        root.new_dataset_builder().with_data(&refs).create("refs")?;
        let window = Selection::new(
            vec![DimSlice {
                start: 10,
                step: 1,
                count: 10,
            }],
            &signal_ds.shape(),
        )?;
        let region_refs = vec![RegionRef::new(&signal_ds, &window)?];
        root.new_dataset_builder()
            .with_data(&region_refs)
            .create("region_refs")?;
        f.close()?;
    }

    let f = File::open(path)?;
    let root = f.root();
    let records: Vec<Record> = root.dataset("records")?.read_raw()?;
    println!("records[2] = {:?}", records[2]);
    let pairs: Array2<i8> = root.dataset("pairs")?.read_2d()?;
    println!("pairs[1, :] = {}", pairs.slice(s![1, ..]));
    let regions: Vec<Region> = root.dataset("regions")?.read_raw()?;
    println!("regions = {regions:?}");
    for r in root.dataset("refs")?.read_raw::<ObjectRef>()? {
        match r.open(&f)? {
            Object::Dataset(d) => println!("ref -> {d}"),
            Object::Group(g) => println!("ref -> {g}"),
            _ => println!("ref -> a named datatype"),
        }
    }
    for r in root.dataset("region_refs")?.read_raw::<RegionRef>()? {
        let d = r.dataset(&f)?;
        let sel = r.selection(&d.shape())?;
        let values = d.read_bytes_selection(&sel)?;
        println!(
            "region ref -> {d}, {} elements, first {:?}",
            sel.len().unwrap_or(0),
            f32::from_le_bytes([values[0], values[1], values[2], values[3]])
        );
    }
    Ok(())
}
