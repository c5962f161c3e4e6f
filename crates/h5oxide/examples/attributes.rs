//! Attributes as metadata on groups and datasets, as h5py's `attrs`:
//!
//! ```python
//! f.attrs["length"] = 100
//! g.attrs["title"] = "Scan 7"
//! d.attrs["gains"] = [1.5, 2.0, -3.25]
//! del d.attrs["draft"]
//! ```
//!
//! Run with `cargo run -p h5oxide --example attributes`; writes `attributes.h5` into the
//! current directory.

use h5oxide::ndarray::arr2;
use h5oxide::File;

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
    let f = File::open(path)?;
    println!(
        "/ length = {}",
        f.root().attrs().get("length")?.read_scalar::<i64>()?
    );
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
