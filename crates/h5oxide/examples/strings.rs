//! String datasets: fixed-length (NumPy's `S`), variable-length UTF-8 (h5py's `str`), and
//! rewriting them, as in h5py:
//!
//! ```python
//! f.create_dataset("names", data=["alpha", "βeta", ""], dtype=h5py.string_dtype())
//! f.create_dataset("codes", data=np.array([b"AB", b"CDE"], dtype="S4"))
//! ```
//!
//! Run with `cargo run -p h5oxide --example strings`; writes `strings.h5` into the current
//! directory.

use h5oxide::File;

fn main() -> h5oxide::Result<()> {
    let path = "strings.h5";
    {
        let f = File::create(path)?;
        let root = f.root();
        let mut names = root
            .new_dataset_builder()
            .with_strings(&["alpha", "βeta", "", "a longer string than the rest"])
            .create("names")?;
        root.new_dataset_builder()
            .with_fixed_strings(&["AB", "CDE", ""], 4)
            .create("codes")?;
        root.new_dataset_builder()
            .with_strings(&["x", "y", "z", "w", "v", "u"])
            .shape([2, 3])
            .chunk([1, 3])
            .deflate(1)
            .create("grid")?;
        names.write_strings(&["one", "two", "θree", "four"])?;
        f.close()?;
    }
    let f = File::open(path)?;
    for name in ["names", "codes", "grid"] {
        let d = f.root().dataset(name)?;
        println!("{d}: {:?}", d.read_strings()?);
    }
    Ok(())
}
