//! One open file read from many threads at once: handles are `Send + Sync` and reads take
//! no global lock.

use std::sync::Arc;

use h5oxide::{DimSlice, File, Selection};

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/files")
        .join(name)
}

#[test]
fn eight_threads_read_datasets_and_slices_of_one_file() {
    for mmap in [true, false] {
        let file = File::options()
            .mmap(mmap)
            .open(fixture("chunk_index_latest.h5"))
            .unwrap();
        let names = file.root().member_names().unwrap();
        // What one thread reads, for comparison.
        let expected: Arc<Vec<(String, Vec<u8>)>> = Arc::new(
            names
                .iter()
                .map(|n| {
                    (
                        n.clone(),
                        file.root().dataset(n).unwrap().read_bytes().unwrap(),
                    )
                })
                .collect(),
        );
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let file = file.clone();
                let expected = expected.clone();
                std::thread::spawn(move || {
                    for round in 0..4 {
                        for (k, (name, whole)) in expected.iter().enumerate() {
                            if (k + t + round) % 2 == 0 {
                                continue;
                            }
                            let d = file.root().dataset(name).unwrap();
                            assert_eq!(&d.read_bytes().unwrap(), whole, "{name}");
                            // A slice of the first dimension, different per thread.
                            let shape = d.shape();
                            if shape.is_empty() || shape[0] < 2 {
                                continue;
                            }
                            let start = (t as u64) % shape[0];
                            let mut dims: Vec<DimSlice> =
                                shape.iter().map(|&n| DimSlice::all(n)).collect();
                            dims[0] = DimSlice {
                                start,
                                step: 1,
                                count: shape[0] - start,
                            };
                            let row: usize = shape[1..].iter().product::<u64>() as usize
                                * d.dtype().element_size();
                            let part = d
                                .read_bytes_selection(&Selection::new(dims, &shape).unwrap())
                                .unwrap();
                            assert_eq!(part, whole[start as usize * row..], "{name} from {start}");
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
    }
}

/// Every handle type can be cloned and moved or shared across threads.
#[test]
fn handles_are_clone_send_and_sync() {
    fn check<T: Clone + Send + Sync + 'static>() {}
    check::<h5oxide::File>();
    check::<h5oxide::Group>();
    check::<h5oxide::Dataset>();
    check::<h5oxide::Object>();
    check::<h5oxide::NamedDatatype>();
    check::<h5oxide::Attribute>();
    check::<h5oxide::Attributes>();
    check::<h5oxide::Link>();
}
