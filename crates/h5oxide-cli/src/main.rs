//! `h5ox`: list, dump, check and repack HDF5 files.

fn main() {
    println!("h5ox");
}
