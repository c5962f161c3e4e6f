//! Attributes as metadata on groups and datasets, as h5py's `attrs`:
//!
//! ```python
//! f.attrs["length"] = 100
//! g.attrs["title"] = "Scan 7"
//! d.attrs["gains"] = [1.5, 2.0, -3.25]
//! del d.attrs["draft"]
//! ```
//!
//! An attribute over 64 KiB does not fit an object header message: as in libhdf5 it goes to
//! dense attribute storage, which needs the latest format (`libver="latest"` in h5py).
//!
//! Run with `cargo run -p h5oxide --example attributes`; writes `attributes.h5` and
//! `attributes_large.h5` into the current directory.

use h5oxide::ndarray::arr2;
use h5oxide::{File, Libver, Mode};

fn main() -> h5oxide::Result<()> {
    let path = "attributes.h5";
    {
        let f = File::create(path)?;
        let root = f.root();
        root.attrs().set("length", &100i64)?;
        root.attrs().set("version", &[1u8, 2, 0][..])?;
        let g = root.create_group("scan")?;
        g.attrs().set("title", "Scan 7 — ünïcode")?;
        g.attrs().set("tags", &["raw", "calibrated"][..])?;
        g.attrs().set("valid", &true)?;
        let d = g
            .new_dataset_builder()
            .with_data(&vec![0.5f64; 8])
            .create("signal")?;
        d.attrs().set("gains", &[1.5f32, 2.0, -3.25][..])?;
        d.attrs().set("matrix", &arr2(&[[1i16, 2], [3, 4]]))?;
        d.attrs().set("draft", &1u8)?;
        d.attrs().remove("draft")?;
        f.close()?;
    }
    {
        // 100,000 f64 values: 800 KB, stored densely.
        let f = File::options()
            .mode(Mode::Create)
            .libver(Libver::Latest)
            .open("attributes_large.h5")?;
        let big: Vec<f64> = (0..100_000).map(|i| f64::from(i) * 0.5).collect();
        f.root().attrs().set("calibration", &big)?;
        for i in 0..20 {
            f.root().attrs().set(&format!("meta{i:02}"), &i)?;
        }
        f.close()?;
        let f = File::open("attributes_large.h5")?;
        let back = f.root().attrs().get::<Vec<f64>>("calibration")?;
        println!(
            "attributes_large.h5: {} attributes, calibration has {} values, last {}",
            f.root().attrs().names()?.len(),
            back.len(),
            back[back.len() - 1]
        );
    }
    let f = File::open(path)?;
    println!("/ length = {}", f.root().attrs().get::<i64>("length")?);
    for obj in ["/scan", "/scan/signal"] {
        let attrs = match f.root().object(obj)? {
            h5oxide::Object::Group(g) => g.attrs(),
            h5oxide::Object::Dataset(d) => d.attrs(),
            _ => continue,
        };
        for a in attrs.list()? {
            println!("{obj} @{} {:?} = {:?}", a.name(), a.shape(), a.values()?);
        }
    }
    Ok(())
}
