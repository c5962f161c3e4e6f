//! Growing a dataset: chunked with an unlimited maximum shape, resized, then the new tail
//! written, as in h5py:
//!
//! ```python
//! d = f.create_dataset("grow", data=np.arange(10), maxshape=(None,), chunks=True)
//! d.resize((30,))
//! d[10:] = np.arange(10, 30)
//! ```
//!
//! Run with `cargo run -p h5oxide --example resize_append`; writes `resize_append.h5` into
//! the current directory.

use h5oxide::ndarray::s;
use h5oxide::File;

fn main() -> h5oxide::Result<()> {
    let path = "resize_append.h5";
    {
        let f = File::create(path)?;
        let first: Vec<i64> = (0..10).collect();
        let mut d = f
            .root()
            .new_dataset_builder()
            .with_data(&first)
            .max_shape([None])
            .chunk([8])
            .create("grow")?;
        println!("created {d}");
        d.resize([30])?;
        let tail: Vec<i64> = (10..30).collect();
        d.write_slice(&tail, s![10..30])?;
        println!("resized {d}");

        // A dataset that is not chunked cannot grow, as in h5py.
        let mut fixed = f
            .root()
            .new_dataset_builder()
            .with_data(&first)
            .create("fixed")?;
        if let Err(e) = fixed.resize([20]) {
            println!("resizing /fixed: {e}");
        }
        // Nor can a name be created twice.
        if let Err(e) = f
            .root()
            .new_dataset_builder()
            .with_data(&first)
            .create("grow")
        {
            println!("creating /grow again: {e}");
        }
        f.close()?;
    }
    let f = File::open(path)?;
    let d = f.root().dataset("grow")?;
    println!("{d}: {:?}", d.read_raw::<i64>()?);
    Ok(())
}
