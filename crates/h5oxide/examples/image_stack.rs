//! Image stacks by category: two groups `ships` and `no_ships`, each holding an
//! (N, 80, 80, 3) u8 dataset written one image per index, compressed with gzip, like
//!
//! ```python
//! d = f.create_dataset("ships/images", (N, 80, 80, 3), dtype="u1",
//!                      chunks=(1, 80, 80, 3), compression="gzip")
//! for i, img in enumerate(images):
//!     d[i] = img
//! ```
//!
//! Run with `cargo run -p h5oxide --example image_stack`; writes `image_stack.h5` into the
//! current directory.

use h5oxide::ndarray::{s, Array3, Array4};
use h5oxide::File;

const N: usize = 16;

/// A synthetic 80x80 RGB image; `category` and `k` make every image different.
fn image(category: usize, k: usize) -> Array3<u8> {
    Array3::from_shape_fn((80, 80, 3), |(y, x, c)| {
        ((category * 101 + k * 31 + y * 7 + x * 3 + c * 50) % 256) as u8
    })
}

fn main() -> h5oxide::Result<()> {
    let path = "image_stack.h5";
    {
        let f = File::create(path)?;
        for (category, name) in ["ships", "no_ships"].into_iter().enumerate() {
            let g = f.root().create_group(name)?;
            g.attrs().set("label", &(category as i64))?;
            let mut d = g
                .new_dataset::<u8>()
                .shape([N, 80, 80, 3])
                .chunk([1, 80, 80, 3])
                .deflate(4)
                .create("images")?;
            for k in 0..N {
                let img = image(category, k).insert_axis(h5oxide::ndarray::Axis(0));
                d.write_slice(&img, s![k..k + 1, .., .., ..])?;
            }
            println!(
                "/{name}/images: {N} images, {} bytes stored for {} bytes of pixels",
                d.storage_size()?,
                N * 80 * 80 * 3
            );
        }
        f.close()?;
    }
    let f = File::open(path)?;
    let d = f.root().dataset("no_ships/images")?;
    let fifth: Array4<u8> = d.read_slice(s![5..6, .., .., ..])?;
    assert_eq!(fifth.index_axis(h5oxide::ndarray::Axis(0), 0), image(1, 5));
    println!(
        "{d}; image 5 reads back equal, first pixel {:?}",
        &fifth.as_slice().unwrap()[..3]
    );
    Ok(())
}
