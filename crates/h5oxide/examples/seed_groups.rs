//! Datasets organised in a group, as h5py users seed them:
//!
//! ```python
//! with h5py.File("seed_groups.h5", "w") as f:
//!     g = f.create_group("subPano")
//!     g.create_dataset("1", data=np.arange(10))
//!     g.create_dataset("2", data=np.arange(20) * 0.5)
//! with h5py.File("seed_groups.h5", "r") as f:
//!     print(list(f["subPano"].keys()), f["/subPano/1"][:], f["/subPano/1"][0])
//! ```
//!
//! Run with `cargo run -p h5oxide --example seed_groups`; writes `seed_groups.h5` into the
//! current directory.

use h5oxide::ndarray::s;
use h5oxide::File;

fn main() -> h5oxide::Result<()> {
    let path = "seed_groups.h5";
    {
        let f = File::create(path)?;
        let g = f.root().create_group("subPano")?;
        let one: Vec<i64> = (0..10).collect();
        let two: Vec<f64> = (0..20).map(|i| f64::from(i) * 0.5).collect();
        g.new_dataset_builder().with_data(&one).create("1")?;
        g.new_dataset_builder().with_data(&two).create("2")?;
        f.close()?;
    }

    let f = File::open(path)?;
    println!("{f}");
    let g = f.group("subPano")?;
    println!("{g}");
    println!("keys: {:?}", g.keys()?);
    let d = f.root().dataset("/subPano/1")?;
    println!("{d}");
    println!("[:]  = {:?}", d.read_raw::<i64>()?);
    println!("[0]  = {}", d.read_slice_1d::<i64, _>(s![0..1])?[0]);
    println!("[:5] = {:?}", d.read_slice_1d::<i64, _>(s![..5])?.to_vec());
    let d2 = g.dataset("2")?;
    println!(
        "2[10:] = {:?}",
        d2.read_slice_1d::<f64, _>(s![10..])?.to_vec()
    );
    Ok(())
}
